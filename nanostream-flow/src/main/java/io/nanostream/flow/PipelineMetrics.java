package io.nanostream.flow;

import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A snapshot of a pipeline's counters, from {@link Pipeline#metrics()}: one {@link NodeMetrics}
 * per source, step and sink, upstream first. Taking one reads counters the pipeline keeps anyway,
 * so it is cheap enough to take every second; two snapshots give rates.
 *
 * <pre>{@code
 * PipelineMetrics before = pipeline.metrics();
 * // ... a while later
 * PipelineMetrics now = pipeline.metrics();
 * double parsedPerSecond = now.ratePerSecond(before, "parse");
 * }</pre>
 *
 * @param pipeline the pipeline's name
 * @param state its state when the snapshot was taken
 * @param elapsed time since it started, on its scheduler's clock; zero before it starts
 * @param nodes each node's counters, upstream first
 */
public record PipelineMetrics(String pipeline, Pipeline.State state, Duration elapsed, List<NodeMetrics> nodes) {

    /**
     * Makes a snapshot.
     *
     * @param pipeline the pipeline's name
     * @param state its state
     * @param elapsed time since it started
     * @param nodes each node's counters, upstream first; copied
     * @throws NullPointerException if an argument is null
     */
    public PipelineMetrics {
        Checks.notNull(pipeline, "pipeline");
        Checks.notNull(state, "state");
        Checks.notNull(elapsed, "elapsed");
        nodes = List.copyOf(Checks.notNull(nodes, "nodes"));
    }

    /**
     * Returns the counters of the node with the given name.
     *
     * @param name the node's name
     * @return its counters
     * @throws NoSuchElementException if the pipeline has no node of that name
     */
    public NodeMetrics node(String name) {
        for (NodeMetrics node : nodes) {
            if (node.name().equals(name)) {
                return node;
            }
        }
        throw new NoSuchElementException("pipeline '" + pipeline + "' has no node named '" + name + "'; its nodes are "
                + nodes.stream().map(NodeMetrics::name).toList());
    }

    /**
     * Returns how many items per second the named node took (a source: read) on average since
     * the pipeline started; see {@link #ratePerSecond(PipelineMetrics, String)} for the rate of
     * late.
     *
     * @param name the node's name
     * @return items per second; zero before the pipeline starts
     * @throws NoSuchElementException if the pipeline has no node of that name
     */
    public double ratePerSecond(String name) {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0 : node(name).in() * 1e9 / nanos;
    }

    /**
     * Returns how many items per second the named node took (a source: read) between an
     * earlier snapshot and this one.
     *
     * @param earlier a snapshot of the same pipeline taken before this one
     * @param name the node's name
     * @return items per second; zero if no time passed
     * @throws NoSuchElementException if either snapshot has no node of that name
     */
    public double ratePerSecond(PipelineMetrics earlier, String name) {
        long nanos = elapsed.minus(earlier.elapsed).toNanos();
        return nanos <= 0 ? 0 : (node(name).in() - earlier.node(name).in()) * 1e9 / nanos;
    }

    /**
     * Describes in one line what happened between an earlier snapshot and this one: the
     * pipeline's name, age and state, then per node its items per second (a step that emits at
     * another rate than it takes shows both, as {@code in->out}), the share of the time its code
     * was busy (from 1%: the step near 100% is the bottleneck), what waits in its buffers
     * ({@code [queued/capacity]}, when anything does), its errors, skips and dead letters so far
     * (when there are any), a source's backlog (when it knows it), and a keyed call step's calls
     * under way, keys waiting for a call (when any do) and the age of its oldest call.
     *
     * <pre>{@code
     * orders-etl 12s RUNNING | KafkaSource 2.0k/s backlog 140 | parse 2.0k/s dead-lettered 12
     *     | window 2.0k/s->38/s [3/256] | enrich 38/s calls 12 oldest 41ms | totals 38/s
     * }</pre>
     *
     * @param earlier a snapshot of the same pipeline taken before this one
     * @return the line
     */
    public String progressSince(PipelineMetrics earlier) {
        double seconds = elapsed.minus(earlier.elapsed).toNanos() / 1e9;
        StringBuilder line = new StringBuilder(pipeline).append(' ').append(elapsed.toSeconds()).append("s ").append(state);
        for (NodeMetrics node : nodes) {
            NodeMetrics before = earlier.nodes.stream().filter(n -> n.name().equals(node.name())).findFirst().orElse(null);
            String in = rate(node.in(), before == null ? 0 : before.in(), seconds);
            String out = rate(node.out(), before == null ? 0 : before.out(), seconds);
            line.append(" | ").append(node.name()).append(' ').append(in);
            if (node.kind() == NodeMetrics.Kind.STEP && !out.equals(in)) {
                line.append("->").append(out);
            }
            long busy = node.busy().minus(before == null ? java.time.Duration.ZERO : before.busy()).toNanos();
            if (seconds > 0 && busy >= seconds * 1e7) { // 1% or more
                line.append(String.format(java.util.Locale.ROOT, " busy %.0f%%", busy / (seconds * 1e7)));
            }
            if (node.queued() > 0) {
                line.append(" [").append(node.queued()).append('/').append(node.capacity()).append(']');
            }
            appendCount(line, "errors", node.errors());
            appendCount(line, "skipped", node.skipped());
            appendCount(line, "dead-lettered", node.deadLettered());
            appendCount(line, "already processed", node.alreadyProcessed());
            if (node.backlog() >= 0) {
                line.append(" backlog ").append(node.backlog());
            }
            if (node.callsInFlight() >= 0) {
                line.append(" calls ").append(node.callsInFlight());
                appendCount(line, "keys waiting", node.keysWaiting());
                if (node.callsInFlight() > 0) {
                    line.append(" oldest ").append(node.oldestCall().toMillis()).append("ms");
                }
            }
        }
        return line.toString();
    }

    private static String rate(long now, long before, double seconds) {
        double perSecond = seconds <= 0 ? 0 : (now - before) / seconds;
        if (perSecond >= 1e6) {
            return String.format(java.util.Locale.ROOT, "%.2fM/s", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(java.util.Locale.ROOT, "%.1fk/s", perSecond / 1e3);
        }
        return String.format(java.util.Locale.ROOT, "%.0f/s", perSecond);
    }

    private static void appendCount(StringBuilder line, String what, long count) {
        if (count > 0) {
            line.append(' ').append(what).append(' ').append(count);
        }
    }
}
