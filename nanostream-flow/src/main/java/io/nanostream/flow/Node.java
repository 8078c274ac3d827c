package io.nanostream.flow;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What every nanostream node (source, step, sink) knows about itself: its name, the pipeline it
 * belongs to, the nanostream publishers that feed it, and when it has terminated.
 */
final class Node {

    enum Kind {
        SOURCE("source", "produce()"), STEP("step", "process()"), SINK("sink", "consume()");

        final String word;
        final String hook;

        Kind(String word, String hook) {
            this.word = word;
            this.hook = hook;
        }
    }

    final Kind kind;
    final String name;
    /** The nanostream publishers subscribed to this node, registered when they subscribe it. */
    final List<NodePublisher<?>> upstreams = new CopyOnWriteArrayList<>();
    /** Completes when this node has delivered or received its last signal. */
    final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile Pipeline pipeline;
    /** The subscriber side of a step or sink; null for a source. */
    private Inlet<?> inlet;

    Node(Kind kind, String name, Class<?> type) {
        this.kind = kind;
        this.name = name != null ? name : defaultName(type);
    }

    static Node of(Object candidate) {
        if (candidate instanceof NodePublisher) {
            return ((NodePublisher<?>) candidate).node;
        }
        if (candidate instanceof AbstractSink) {
            return ((AbstractSink<?>) candidate).node;
        }
        return null;
    }

    private static String defaultName(Class<?> type) {
        String simple = type.getSimpleName();
        if (!simple.isEmpty()) {
            return simple;
        }
        String full = type.getName();
        return full.substring(full.lastIndexOf('.') + 1);
    }

    void setInlet(Inlet<?> subscriberSide) {
        inlet = subscriberSide;
    }

    /** Returns the subscriber side of a step or sink, or null for a source. */
    Inlet<?> inlet() {
        return inlet;
    }

    String label() {
        return kind.word + " '" + name + "'";
    }

    Pipeline pipeline() {
        return pipeline;
    }

    void joinPipeline(Pipeline owner) {
        Checks.state(pipeline == null, label() + " already belongs to a pipeline; a node runs in one pipeline only");
        pipeline = owner;
    }

    /**
     * The failure to report when user code of this node threw, while handling {@code item} or,
     * with a null item, in a lifecycle hook.
     */
    PipelineException failure(Object item, Throwable cause) {
        String message = item == null
                ? label() + " failed: " + cause
                : label() + " failed on item \"" + Checks.describe(item) + "\": " + cause
                        + ". Fix the cause, or catch it in " + kind.hook + " to skip the item.";
        return new PipelineException(name, message, cause);
    }

    /** Tells the pipeline, if any, that this node failed; the first failure wins. */
    void report(Throwable failure) {
        Pipeline owner = pipeline;
        if (owner != null) {
            owner.fail(failure instanceof PipelineException
                    ? (PipelineException) failure
                    : new PipelineException(name, label() + " failed: " + failure, failure));
        }
    }
}
