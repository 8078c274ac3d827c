package io.nanostream.flow.internal;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Lets a node check the pipeline it is about to join, before any node joins it: a Kafka source
 * that reads exactly once refuses sinks that cannot write in its transactions, and hands its
 * transaction to those that can. Not API; this package is exported only to nanostream's own
 * modules.
 */
public final class JoinChecks {

    /**
     * The nodes of a pipeline being built.
     *
     * @param sources its sources
     * @param ends what ends each path: its sinks, and subscribers outside nanostream
     */
    public record Members(List<Object> sources, List<Object> ends) {
        /**
         * Copies the lists.
         *
         * @param sources its sources
         * @param ends what ends each path
         */
        public Members {
            sources = List.copyOf(sources);
            ends = List.copyOf(ends);
        }
    }

    /** How the core records what nodes ask for. */
    public interface Registry {
        /**
         * Records a node's check.
         *
         * @param node a source, step or sink
         * @param check what to check of the pipeline's members
         */
        void whenJoining(Object node, Consumer<Members> check);

        /**
         * Makes a node receive each item through its own delivery.
         *
         * @param node a step or sink
         */
        void refuseFusion(Object node);
    }

    private static volatile Registry registry;

    private JoinChecks() {
    }

    /**
     * Called once by the core when its classes load.
     *
     * @param implementation records a node's check
     */
    public static void install(Registry implementation) {
        registry = implementation;
    }

    /**
     * Makes {@code check} run when a pipeline with {@code node} is built, before the pipeline
     * takes its nodes; an exception it throws is what {@code Pipeline.from} throws.
     *
     * @param node a source, step or sink, constructed
     * @param check what to check of the pipeline's members
     */
    public static void whenJoining(Object node, Consumer<Members> check) {
        registry.whenJoining(Objects.requireNonNull(node, "node"), Objects.requireNonNull(check, "check"));
    }

    /**
     * Makes {@code node} receive each item through a delivery of its own, never fused into the
     * step before it: a fused step's outputs share the delivery of the item they come from, so
     * while the sink handles the first of several outputs, nothing says more are coming. A sink
     * that writes a source item's outputs together needs to see them all outstanding.
     *
     * @param node a step or sink, before its pipeline starts
     */
    public static void refuseFusion(Object node) {
        registry.refuseFusion(Objects.requireNonNull(node, "node"));
    }
}
