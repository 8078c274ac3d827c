package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a pipeline is up and ready to do its work, and if not, why, from
 * {@link Pipeline#health()}: what a service's liveness and readiness probes ask.
 *
 * <ul>
 * <li><b>Up</b>: the pipeline runs, or is stopping gracefully. A pipeline that failed or
 *     completed is not up: an orchestrator should restart the service.
 * <li><b>Ready</b>: up, not stopping, and doing its work: every source and sink can (a Kafka
 *     source has its partitions, a JDBC sink is not retrying a lost database), no source stands
 *     still or falls far behind, and no step or sink fails every item (retrying it, skipping it
 *     or dead-lettering it), as judged over at least the last 5 seconds.
 * </ul>
 *
 * <p>Each reason is a sentence that names the node and says what is wrong, such as
 * {@code source 'orders' has no partitions yet: its group is still rebalancing}.
 *
 * <pre>{@code
 * PipelineHealth health = pipeline.health();
 * if (!health.ready()) {
 *     log.warn("not ready: {}", String.join("; ", health.reasons()));
 * }
 * }</pre>
 *
 * @param pipeline the pipeline's name
 * @param up whether it runs or is stopping gracefully
 * @param ready whether it is up, not stopping, and doing its work
 * @param reasons why it is not up or not ready; empty when it is ready
 */
public record PipelineHealth(String pipeline, boolean up, boolean ready, List<String> reasons) {

    /**
     * How far behind a source may be: the records waiting for it, read at its rate since the
     * last look, would take longer than this.
     */
    static final Duration FAR_BEHIND = Duration.ofMinutes(1);
    /**
     * The shortest time the counters' movement is judged over: a source that reads nothing for
     * this long with records waiting stands still. Long enough that a batch flush or a slow call
     * is not taken for a stall.
     */
    static final Duration LOOK_BACK = Duration.ofSeconds(5);

    /**
     * Makes the health record.
     *
     * @param pipeline the pipeline's name
     * @param up whether it runs or is stopping gracefully
     * @param ready whether it is up, not stopping, and doing its work
     * @param reasons why it is not up or not ready
     */
    public PipelineHealth {
        Checks.notNull(pipeline, "pipeline");
        reasons = List.copyOf(reasons);
    }

    /**
     * The snapshots a pipeline's health judges movement by: the one compared with, and the newest
     * taken at least {@link #LOOK_BACK} after it, which becomes the one compared with once another
     * {@code LOOK_BACK} has passed. So movement is judged over {@code LOOK_BACK} to twice it,
     * however often health is asked for.
     */
    static final class Looks {
        private PipelineMetrics compared;
        private PipelineMetrics latest;

        /** Keeps {@code now} if it is due, and returns the snapshot to compare it with; null if none yet. */
        synchronized PipelineMetrics baseFor(PipelineMetrics now) {
            if (latest == null) {
                latest = now;
            } else if (now.elapsed().minus(latest.elapsed()).compareTo(LOOK_BACK) >= 0) {
                compared = latest;
                latest = now;
            }
            return compared;
        }
    }

    /**
     * Judges a pipeline from its state, what its nodes say of themselves, and how its counters
     * moved since an earlier snapshot (null if none).
     */
    static PipelineHealth of(Pipeline.State state, PipelineException failure, List<String> nodesNotReady,
            PipelineMetrics now, PipelineMetrics before) {
        String name = now.pipeline();
        List<String> reasons = new ArrayList<>();
        switch (state) {
            case NEW -> reasons.add("pipeline '" + name + "' has not started");
            case STOPPING -> reasons.add("pipeline '" + name + "' is stopping");
            case COMPLETED -> reasons.add("pipeline '" + name + "' completed: its sources ended");
            case FAILED -> reasons.add("pipeline '" + name + "' failed: " + (failure == null ? "" : failure.getMessage()));
            case RUNNING -> {
                reasons.addAll(nodesNotReady);
                if (before != null) {
                    movement(now, before, reasons);
                }
            }
        }
        boolean up = state == Pipeline.State.RUNNING || state == Pipeline.State.STOPPING;
        return new PipelineHealth(name, up, state == Pipeline.State.RUNNING && reasons.isEmpty(), reasons);
    }

    /** Adds what the counters' movement since {@code before} says: sources standing still or far behind, nodes failing. */
    private static void movement(PipelineMetrics now, PipelineMetrics before, List<String> reasons) {
        double seconds = now.elapsed().minus(before.elapsed()).toNanos() / 1e9;
        if (seconds < LOOK_BACK.toNanos() / 1e9 || now.nodes().size() != before.nodes().size()) {
            return; // too short a time to judge
        }
        for (int i = 0; i < now.nodes().size(); i++) { // by position: two nodes may share a name
            NodeMetrics node = now.nodes().get(i);
            NodeMetrics earlier = before.nodes().get(i);
            long read = node.in() - earlier.in();
            long errors = node.errors() - earlier.errors();
            long failedForGood = node.skipped() - earlier.skipped() + node.deadLettered() - earlier.deadLettered();
            String label = node.kind().name().toLowerCase(Locale.ROOT) + " '" + node.name() + "'";
            if (node.kind() == NodeMetrics.Kind.SOURCE && node.backlog() > 0) {
                double rate = read / seconds;
                if (read == 0) {
                    reasons.add(String.format(Locale.ROOT, "%s read nothing in the last %.0f s, with %d records"
                            + " waiting: a step or sink downstream is stuck, or the source cannot fetch", label, seconds,
                            node.backlog()));
                } else if (node.backlog() > rate * FAR_BEHIND.toSeconds()) {
                    reasons.add(String.format(Locale.ROOT, "%s is far behind: %d records wait, %.0f s at its rate of"
                            + " %.0f/s", label, node.backlog(), node.backlog() / rate, rate));
                }
            } else if (errors > 0 && (read == 0 || failedForGood >= read)) { // stuck in retries, or none done
                reasons.add(String.format(Locale.ROOT, "%s failed every item in the last %.0f s: %d errors, %d retried,"
                        + " %d skipped or dead-lettered, none done; see its error policy's log or dead letters", label,
                        seconds, errors, node.retried() - earlier.retried(), failedForGood));
            }
        }
    }
}
