package io.nanostream.flow;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * nanostream's JDK Flight Recorder events, so that {@code java -XX:StartFlightRecording} and JDK
 * Mission Control show what pipelines did: their state changes, every item a node's code failed
 * on, and each node's counters and rates every second. They cost nothing while no recording
 * runs.
 */
final class FlightEvents {

    static {
        // Registered up front, not when first committed: a recording whose metadata changes midway
        // may read back pooled strings as null on some JDKs (JDK-8382242).
        FlightRecorder.register(PipelineState.class);
        FlightRecorder.register(ItemFailure.class);
        FlightRecorder.register(NodeMetricsEvent.class);
    }

    private FlightEvents() {
    }

    /** A pipeline started, was asked to stop, completed or failed. */
    @Name("io.nanostream.PipelineState")
    @Label("Pipeline State")
    @Category("nanostream")
    @Description("A pipeline started, was asked to stop, completed or failed")
    @StackTrace(false)
    static final class PipelineState extends Event {
        @Label("Pipeline")
        String pipeline;
        @Label("State")
        String state;
        @Label("Failure")
        String failure;
    }

    /** A node's code threw on an item. */
    @Name("io.nanostream.ItemFailure")
    @Label("Item Failure")
    @Category("nanostream")
    @Description("A step, source or sink failed on an item; the outcome says what its error policy did")
    @StackTrace(false)
    static final class ItemFailure extends Event {
        @Label("Pipeline")
        String pipeline;
        @Label("Node")
        String node;
        @Label("Item")
        String item;
        @Label("Error Class")
        Class<?> errorClass;
        @Label("Error Message")
        String errorMessage;
        @Label("Attempt")
        int attempt;
        @Label("Outcome")
        @Description("retried, skipped, dead-lettered or failed")
        String outcome;
    }

    /** A node's counters, every second while a recording runs. */
    @Name("io.nanostream.NodeMetrics")
    @Label("Node Metrics")
    @Category("nanostream")
    @Description("A node's counters since its pipeline started, its rates since the last event, and its buffers now")
    @Period("1 s")
    @StackTrace(false)
    static final class NodeMetricsEvent extends Event {
        @Label("Pipeline")
        String pipeline;
        @Label("Node")
        String node;
        @Label("Kind")
        String kind;
        @Label("Items In")
        long in;
        @Label("Items Out")
        long out;
        @Label("Items In per Second")
        double inPerSecond;
        @Label("Items Out per Second")
        double outPerSecond;
        @Label("Errors")
        long errors;
        @Label("Skipped")
        long skipped;
        @Label("Dead-Lettered")
        long deadLettered;
        @Label("Queued")
        @Description("Items waiting in the node's input buffers")
        long queued;
        @Label("Buffer Capacity")
        long capacity;
        @Label("Backlog")
        @Description("Items waiting outside the pipeline for a source, or -1 if unknown")
        long backlog;
        @Label("Busy")
        @Description("Time the node's code spent on items since the pipeline started, estimated from one item in 16")
        @jdk.jfr.Timespan
        long busy;
        @Label("Calls In Flight")
        @Description("Calls under way for a keyed call step, or -1")
        long callsInFlight;
        @Label("Keys Waiting")
        @Description("Keys whose next item waits for a free call, for a keyed call step, or -1")
        long keysWaiting;
        @Label("Oldest Call")
        @Description("How long the oldest call under way has been going, for a keyed call step")
        @jdk.jfr.Timespan
        long oldestCall;
    }

    static void stateChanged(String pipeline, Pipeline.State state, Throwable failure) {
        PipelineState event = new PipelineState();
        if (event.isEnabled()) {
            event.pipeline = pipeline;
            event.state = state.name();
            event.failure = failure == null ? null : failure.getMessage();
            event.commit();
        }
    }

    static void itemFailed(Node node, Object item, Throwable error, int attempt, String outcome) {
        ItemFailure event = new ItemFailure();
        if (event.isEnabled()) {
            Pipeline pipeline = node.pipeline();
            event.pipeline = pipeline == null ? null : pipeline.name();
            event.node = node.name;
            event.item = Checks.describe(item);
            event.errorClass = error.getClass();
            event.errorMessage = error.getMessage();
            event.attempt = attempt;
            event.outcome = outcome;
            event.commit();
        }
    }

    /**
     * Emits a pipeline's {@link NodeMetricsEvent}s while a recording asks for them, from when it
     * is started until it is stopped.
     */
    static final class PeriodicMetrics implements Runnable, PipelineObserver {
        private final Pipeline pipeline;
        private PipelineMetrics previous;

        PeriodicMetrics(Pipeline pipeline) {
            this.pipeline = pipeline;
        }

        @Override
        public void started() {
            FlightRecorder.addPeriodicEvent(NodeMetricsEvent.class, this);
        }

        @Override
        public void ended() {
            FlightRecorder.removePeriodicEvent(this);
        }

        @Override
        public synchronized void run() {
            PipelineMetrics now = pipeline.metrics();
            double seconds = previous == null ? 0 : now.elapsed().minus(previous.elapsed()).toNanos() / 1e9;
            for (NodeMetrics node : now.nodes()) {
                NodeMetricsEvent event = new NodeMetricsEvent();
                event.pipeline = now.pipeline();
                event.node = node.name();
                event.kind = node.kind().name();
                event.in = node.in();
                event.out = node.out();
                NodeMetrics before = previous == null ? null : previous.nodes().stream()
                        .filter(n -> n.name().equals(node.name())).findFirst().orElse(null);
                if (before != null && seconds > 0) {
                    event.inPerSecond = (node.in() - before.in()) / seconds;
                    event.outPerSecond = (node.out() - before.out()) / seconds;
                }
                event.errors = node.errors();
                event.skipped = node.skipped();
                event.deadLettered = node.deadLettered();
                event.queued = node.queued();
                event.capacity = node.capacity();
                event.backlog = node.backlog();
                event.busy = node.busy().toNanos();
                event.callsInFlight = node.callsInFlight();
                event.keysWaiting = node.keysWaiting();
                event.oldestCall = node.oldestCall().toNanos();
                event.commit();
            }
            previous = now;
        }
    }
}
