package io.nanostream.flow;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Pipelines' metrics in the Prometheus text exposition format, version 0.0.4: per metric a
 * {@code # HELP} and a {@code # TYPE} line, then its samples, each a name, labels
 * ({@code pipeline}, and {@code node} and {@code kind} for a node's figures) and a value.
 */
final class PrometheusText {

    /** A node figure: its name, help, type, value, and whether a node has it. */
    private record Family(String name, String help, String type, ToDoubleFunction<NodeMetrics> value,
            java.util.function.Predicate<NodeMetrics> has) {
    }

    private static final List<Family> NODE_FAMILIES = List.of(
            counter("nanostream_node_in_total", "Items a node took: handed to a step or sink, read by a source",
                    NodeMetrics::in),
            counter("nanostream_node_out_total", "Items a node emitted", NodeMetrics::out),
            counter("nanostream_node_errors_total", "Failed attempts of a node's code on items", NodeMetrics::errors),
            counter("nanostream_node_retried_total", "Failed attempts its error policy retried", NodeMetrics::retried),
            counter("nanostream_node_skipped_total", "Items its error policy skipped", NodeMetrics::skipped),
            counter("nanostream_node_dead_lettered_total", "Items its error policy sent to the dead letters",
                    NodeMetrics::deadLettered),
            new Family("nanostream_node_queued", "Items waiting in a node's input buffers", "gauge",
                    NodeMetrics::queued, node -> node.kind() != NodeMetrics.Kind.SOURCE),
            new Family("nanostream_node_capacity", "Room of a node's input buffers", "gauge", NodeMetrics::capacity,
                    node -> node.kind() != NodeMetrics.Kind.SOURCE),
            new Family("nanostream_node_busy_seconds_total", "Time a node's code spent on items, estimated", "counter",
                    node -> node.busy().toNanos() / 1e9, node -> node.kind() != NodeMetrics.Kind.SOURCE),
            new Family("nanostream_source_backlog", "Items waiting outside the pipeline to be read, such as a Kafka"
                    + " consumer's lag", "gauge", NodeMetrics::backlog, node -> node.backlog() >= 0),
            new Family("nanostream_source_already_processed_total", "Items read again and skipped as processed"
                    + " already", "counter", NodeMetrics::alreadyProcessed, node -> node.kind() == NodeMetrics.Kind.SOURCE),
            new Family("nanostream_step_calls_in_flight", "Calls under way of a keyed call step", "gauge",
                    NodeMetrics::callsInFlight, node -> node.callsInFlight() >= 0),
            new Family("nanostream_step_keys_waiting", "Keys whose next item waits for a free call", "gauge",
                    NodeMetrics::keysWaiting, node -> node.keysWaiting() >= 0),
            new Family("nanostream_step_oldest_call_seconds", "Age of the oldest call under way", "gauge",
                    node -> node.oldestCall().toNanos() / 1e9, node -> node.callsInFlight() >= 0));

    private PrometheusText() {
    }

    private static Family counter(String name, String help, ToDoubleFunction<NodeMetrics> value) {
        return new Family(name, help, "counter", value, node -> true);
    }

    /** The text for these snapshots and healths, one of each per pipeline, in the same order. */
    static String of(List<PipelineMetrics> snapshots, List<PipelineHealth> healths) {
        StringBuilder text = new StringBuilder();
        header(text, "nanostream_pipeline_up", "1 while a pipeline runs or stops gracefully, else 0", "gauge");
        for (PipelineHealth health : healths) {
            sample(text, "nanostream_pipeline_up", health.pipeline(), null, null, health.up() ? 1 : 0);
        }
        header(text, "nanostream_pipeline_ready", "1 while a pipeline runs and does its work, else 0", "gauge");
        for (PipelineHealth health : healths) {
            sample(text, "nanostream_pipeline_ready", health.pipeline(), null, null, health.ready() ? 1 : 0);
        }
        for (Family family : NODE_FAMILIES) {
            boolean headed = false;
            for (PipelineMetrics snapshot : snapshots) {
                List<String> names = distinctNames(snapshot.nodes());
                for (int i = 0; i < names.size(); i++) {
                    NodeMetrics node = snapshot.nodes().get(i);
                    if (!family.has.test(node)) {
                        continue;
                    }
                    if (!headed) {
                        header(text, family.name, family.help, family.type);
                        headed = true;
                    }
                    sample(text, family.name, snapshot.pipeline(), names.get(i),
                            node.kind().name().toLowerCase(Locale.ROOT), family.value.applyAsDouble(node));
                }
            }
        }
        return text.toString();
    }

    /** The nodes' names, a name that an earlier node has too followed by {@code #2}, {@code #3}, ...: one series each. */
    private static List<String> distinctNames(List<NodeMetrics> nodes) {
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        List<String> names = new java.util.ArrayList<>();
        for (NodeMetrics node : nodes) {
            int n = seen.merge(node.name(), 1, Integer::sum);
            names.add(n == 1 ? node.name() : node.name() + "#" + n);
        }
        return names;
    }

    private static void header(StringBuilder text, String name, String help, String type) {
        text.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder text, String name, String pipeline, String node, String kind,
            double value) {
        text.append(name).append("{pipeline=\"").append(label(pipeline)).append('"');
        if (node != null) {
            text.append(",node=\"").append(label(node)).append("\",kind=\"").append(kind).append('"');
        }
        text.append("} ");
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            text.append((long) value);
        } else {
            text.append(value);
        }
        text.append('\n');
    }

    /** A label value, escaped as the format asks: backslash, double quote and line feed. */
    private static String label(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
