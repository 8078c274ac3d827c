package io.nanostream.flow.internal;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Pipeline;
import java.util.function.Predicate;

/**
 * Tells whether a pipeline is idle, so the testkit's virtual time can let it settle before it
 * moves the clock. Not API; this package is exported only to nanostream's own modules.
 */
public final class Quiescence {

    /** How the core answers: pipeline, source idleness, thread waiting on time; null if idle. */
    @FunctionalInterface
    public interface Check {
        /**
         * Says what keeps a pipeline busy.
         *
         * @param pipeline the pipeline
         * @param sourceIdle says whether a source has nothing more to emit for now
         * @param waitingOnTime says whether a thread waits for time to pass
         * @return what keeps it busy, or null if it is idle
         */
        String busyWith(Pipeline pipeline, Predicate<AbstractSource<?>> sourceIdle, Predicate<Thread> waitingOnTime);
    }

    private static volatile Check check;
    private static volatile Predicate<AbstractSource<?>> sourceWaiting;

    private Quiescence() {
    }

    /**
     * Called once by the core when its classes load.
     *
     * @param implementation the pipeline's own check
     * @param waiting says whether a source's producing loop waits rather than runs
     */
    public static void install(Check implementation, Predicate<AbstractSource<?>> waiting) {
        check = implementation;
        sourceWaiting = waiting;
    }

    /**
     * Says what keeps {@code pipeline} busy, or null if it is idle.
     *
     * @param pipeline a started pipeline
     * @param sourceIdle says whether a source has nothing more to emit for now
     * @param waitingOnTime says whether a thread waits for time to pass
     * @return what keeps it busy, or null if it is idle
     */
    public static String busyWith(Pipeline pipeline, Predicate<AbstractSource<?>> sourceIdle,
            Predicate<Thread> waitingOnTime) {
        return check.busyWith(pipeline, sourceIdle, waitingOnTime);
    }

    /**
     * Whether a source's producing loop waits (for input or for buffer space) rather than runs.
     *
     * @param source a source
     * @return true if it waits or has finished
     */
    public static boolean isWaiting(AbstractSource<?> source) {
        return sourceWaiting.test(source);
    }
}
