package io.nanostream.flow.internal;

import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Runs a nanostream source or step outside any pipeline, on threads the caller owns: for the
 * testkit and for the Reactive Streams TCK, which drive single nodes by hand. Not API; this
 * package is exported only to nanostream's own modules.
 */
public final class Standalone {

    private static volatile BiConsumer<Object, Executor> runner;

    private Standalone() {
    }

    /**
     * Called once by the core when its node classes load.
     *
     * @param implementation binds a node to threads and starts it
     */
    public static void install(BiConsumer<Object, Executor> implementation) {
        runner = implementation;
    }

    /**
     * Binds a source or step to the given threads and starts it; a source starts producing when
     * its first subscriber arrives.
     *
     * @param node a source or step that belongs to no pipeline
     * @param threads runs the node's deliveries and, for a source, its producing loop
     * @throws IllegalArgumentException if node is not a nanostream source or step
     * @throws IllegalStateException if node is already bound to threads
     */
    public static void run(Object node, Executor threads) {
        try {
            Class.forName("io.nanostream.flow.NodePublisher", true, Standalone.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("nanostream-flow is incomplete", e);
        }
        runner.accept(node, threads);
    }
}
