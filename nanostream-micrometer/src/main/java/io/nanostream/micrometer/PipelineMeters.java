package io.nanostream.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nanostream.flow.NodeMetrics;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineMetrics;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds pipelines' metrics to a Micrometer {@link MeterRegistry}: each node's
 * {@link NodeMetrics} as function counters and gauges tagged {@code pipeline}, {@code node} and
 * {@code kind}, and each pipeline's {@link Pipeline#health() health} as two gauges. Meters read
 * the pipeline when the registry publishes; one snapshot of a pipeline serves all its meters
 * for a tenth of a second. Tags are taken when the binder is bound: name the pipeline and its
 * nodes first (a node whose name an earlier node of the pipeline has too is tagged
 * {@code name#2}, {@code name#3}, ...). Meters are found again by name and tags, so bind a
 * pipeline of a given name once per registry.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>{@code nanostream.pipeline.up}, {@code .ready}</td><td>gauge</td><td>1 or 0, see {@link io.nanostream.flow.PipelineHealth}</td></tr>
 * <tr><td>{@code nanostream.node.in}, {@code .out}, {@code .errors}, {@code .retried}, {@code .skipped},
 *     {@code .dead.lettered}</td><td>function counter</td><td>items, as in {@link NodeMetrics}</td></tr>
 * <tr><td>{@code nanostream.node.busy}</td><td>function counter, seconds</td><td>time its code spent on items</td></tr>
 * <tr><td>{@code nanostream.node.queued}, {@code .capacity}</td><td>gauge</td><td>a step's or sink's input buffers</td></tr>
 * <tr><td>{@code nanostream.source.backlog}</td><td>gauge</td><td>a source's items waiting outside, such as a Kafka lag</td></tr>
 * <tr><td>{@code nanostream.source.already.processed}</td><td>function counter</td><td>items read again and skipped</td></tr>
 * <tr><td>{@code nanostream.step.calls.in.flight}, {@code .keys.waiting}, {@code .oldest.call}</td><td>gauge</td>
 *     <td>a keyed call step's calls (the last in seconds)</td></tr>
 * </table>
 *
 * <p>With Spring Boot, a {@code MeterBinder} bean is bound to the application's registry:
 * <pre>{@code
 * @Bean
 * MeterBinder pipelineMeters(Pipeline ordersEtl) {
 *     return new PipelineMeters(ordersEtl);
 * }
 * }</pre>
 * Elsewhere, bind it yourself: {@code new PipelineMeters(pipeline).bindTo(registry)}.
 */
public final class PipelineMeters implements MeterBinder {

    /** How long one snapshot of a pipeline serves its meters. */
    private static final long SNAPSHOT_NANOS = 100_000_000L;

    private final List<Pipeline> pipelines;

    /**
     * Makes a binder for these pipelines; their nodes are known once they are built.
     *
     * @param pipelines the pipelines, built (started or not)
     * @throws IllegalArgumentException if no pipeline is given
     */
    public PipelineMeters(Pipeline... pipelines) {
        this.pipelines = List.of(pipelines);
        if (this.pipelines.isEmpty()) {
            throw new IllegalArgumentException("no pipeline to bind: give at least one");
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        for (Pipeline pipeline : pipelines) {
            Snapshots snapshots = new Snapshots(pipeline);
            Tags tags = Tags.of("pipeline", pipeline.name());
            Gauge.builder("nanostream.pipeline.up", pipeline, p -> p.health().up() ? 1 : 0)
                    .description("1 while the pipeline runs or stops gracefully, else 0").tags(tags).register(registry);
            Gauge.builder("nanostream.pipeline.ready", pipeline, p -> p.health().ready() ? 1 : 0)
                    .description("1 while the pipeline runs and does its work, else 0").tags(tags).register(registry);
            List<NodeMetrics> nodes = pipeline.metrics().nodes();
            java.util.Map<String, Integer> seen = new java.util.HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                NodeMetrics node = nodes.get(i);
                int n = seen.merge(node.name(), 1, Integer::sum);
                bindNode(registry, snapshots, i, node, tags.and("node", n == 1 ? node.name() : node.name() + "#" + n,
                        "kind", node.kind().name().toLowerCase(Locale.ROOT)));
            }
        }
    }

    private static void bindNode(MeterRegistry registry, Snapshots snapshots, int index, NodeMetrics first,
            Tags tags) {
        counter(registry, "nanostream.node.in", "items taken: handed to a step or sink, read by a source", snapshots,
                index, tags, NodeMetrics::in);
        counter(registry, "nanostream.node.out", "items emitted", snapshots, index, tags, NodeMetrics::out);
        counter(registry, "nanostream.node.errors", "failed attempts of its code on items", snapshots, index, tags,
                NodeMetrics::errors);
        counter(registry, "nanostream.node.retried", "failed attempts its error policy retried", snapshots, index, tags,
                NodeMetrics::retried);
        counter(registry, "nanostream.node.skipped", "items its error policy skipped", snapshots, index, tags,
                NodeMetrics::skipped);
        counter(registry, "nanostream.node.dead.lettered", "items its error policy sent to the dead letters", snapshots,
                index, tags, NodeMetrics::deadLettered);
        if (first.kind() == NodeMetrics.Kind.SOURCE) {
            gauge(registry, "nanostream.source.backlog", "items waiting outside the pipeline to be read, or -1",
                    snapshots, index, tags, NodeMetrics::backlog);
            counter(registry, "nanostream.source.already.processed", "items read again and skipped as processed",
                    snapshots, index, tags, NodeMetrics::alreadyProcessed);
            return;
        }
        FunctionCounter.builder("nanostream.node.busy", snapshots.pipeline(),
                p -> snapshots.node(index).busy().toNanos() / 1e9).description("time its code spent on items, estimated")
                .baseUnit("seconds").tags(tags).register(registry);
        gauge(registry, "nanostream.node.queued", "items waiting in its input buffers", snapshots, index, tags,
                NodeMetrics::queued);
        gauge(registry, "nanostream.node.capacity", "room of its input buffers", snapshots, index, tags,
                NodeMetrics::capacity);
        if (first.callsInFlight() >= 0) {
            gauge(registry, "nanostream.step.calls.in.flight", "calls under way", snapshots, index, tags,
                    NodeMetrics::callsInFlight);
            gauge(registry, "nanostream.step.keys.waiting", "keys whose next item waits for a free call", snapshots,
                    index, tags, NodeMetrics::keysWaiting);
            Gauge.builder("nanostream.step.oldest.call", snapshots.pipeline(),
                    p -> snapshots.node(index).oldestCall().toNanos() / 1e9).description("age of the oldest call under way")
                    .baseUnit("seconds").tags(tags).register(registry);
        }
    }

    private static void counter(MeterRegistry registry, String meter, String description, Snapshots snapshots,
            int node, Tags tags, ToDoubleFunction<NodeMetrics> value) {
        FunctionCounter.builder(meter, snapshots.pipeline(), p -> value.applyAsDouble(snapshots.node(node)))
                .description(description).baseUnit("items").tags(tags).register(registry);
    }

    private static void gauge(MeterRegistry registry, String meter, String description, Snapshots snapshots,
            int node, Tags tags, ToDoubleFunction<NodeMetrics> value) {
        Gauge.builder(meter, snapshots.pipeline(), p -> value.applyAsDouble(snapshots.node(node)))
                .description(description).tags(tags).register(registry);
    }

    /** A pipeline's latest snapshot, taken again when older than a tenth of a second. */
    private static final class Snapshots {
        /** Weak, as the meters hold it: the meters do not keep a pipeline alive. */
        private final WeakReference<Pipeline> pipeline;
        private PipelineMetrics latest;
        private long takenNanos;

        Snapshots(Pipeline pipeline) {
            this.pipeline = new WeakReference<>(pipeline);
        }

        /** The pipeline, for a meter to hold weakly while it is bound. */
        Pipeline pipeline() {
            return pipeline.get();
        }

        /** The node at {@code index} in the pipeline's order: two nodes may share a name. */
        synchronized NodeMetrics node(int index) {
            long now = System.nanoTime();
            if (latest == null || now - takenNanos > SNAPSHOT_NANOS) {
                latest = pipeline().metrics(); // not gone: Micrometer reads a meter only while it holds its pipeline
                takenNanos = now;
            }
            return latest.nodes().get(index);
        }
    }
}
