package io.nanostream.flow.internal;

import io.nanostream.flow.Held;
import java.util.List;

/**
 * The source items a held input derives from, and what is still outstanding for each: how a sink
 * that writes in transactions tells when every output of a source item has reached it, so that
 * the outputs can be written, and the item committed, together. Not API; this package is exported
 * only to nanostream's own modules.
 */
public final class Origins {

    /** How the core answers. */
    public interface Access {
        /**
         * The source items an input derives from, each an object compared by identity.
         *
         * @param input an input held and not yet released
         * @return its source items; empty if the pipeline tracks no delivery
         */
        List<Object> of(Held input);

        /**
         * The deliveries and holds still outstanding for a source item: each buffered or
         * in-process delivery of an item derived from it, and each hold of one.
         *
         * @param origin a source item from {@link #of}
         * @return the count; zero once it was delivered, below zero once it failed
         */
        int outstanding(Object origin);

        /**
         * Whether the partition the source item was read from was revoked since it was read.
         *
         * @param origin a source item from {@link #of}
         * @return true if its next reader reads it again
         */
        boolean isRevoked(Object origin);

        /**
         * Whether the source item was emitted by {@code source}.
         *
         * @param origin a source item from {@link #of}
         * @param source a source of the pipeline
         * @return true if {@code source} emitted it
         */
        boolean emittedBy(Object origin, Object source);
    }

    private static volatile Access access;

    private Origins() {
    }

    /**
     * Called once by the core when its classes load.
     *
     * @param implementation the core's answers
     */
    public static void install(Access implementation) {
        access = implementation;
    }

    /**
     * Returns the core's answers. Valid once an input was held.
     *
     * @return the answers
     */
    public static Access access() {
        return access;
    }
}
