package io.nanostream.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source items an item derives from. Each holds a count of the work still outstanding for
 * it: one per buffered or in-process delivery of an item derived from it, one per hold. When
 * the count reaches zero the source item was delivered; a failure anywhere settles it as failed.
 */
abstract class Lineage {

    /** Another {@code n} deliveries or holds will each release once. */
    abstract void retain(int n);

    /** One delivery or hold is done. */
    abstract void release();

    /** Something derived did not reach a sink. */
    abstract void fail(Throwable cause);

    abstract void collectRoots(Map<Tracker, Boolean> roots);

    /** Whether a source item this one derives from passes {@code test}. */
    abstract boolean anyRoot(java.util.function.Predicate<Tracker> test);

    /** The lineage of an item derived from all of {@code parents}; null if none is tracked. */
    static Lineage union(Collection<Lineage> parents) {
        Map<Tracker, Boolean> roots = new LinkedHashMap<>(); // trackers are equal by identity only; keeps order
        for (Lineage parent : parents) {
            if (parent != null) {
                parent.collectRoots(roots);
            }
        }
        if (roots.isEmpty()) {
            return null;
        }
        return roots.size() == 1 ? roots.keySet().iterator().next() : new Union(roots.keySet().toArray(new Tracker[0]));
    }

    /**
     * One source item and its {@link DeliveryCallback}. One is made per tracked item, so its
     * counters are fields updated in place rather than atomic objects of their own.
     */
    static final class Tracker extends Lineage {
        private static final VarHandle OUTSTANDING;
        /** The count once failed: far below zero, so late releases and retains never bring it back. */
        private static final int FAILED = Integer.MIN_VALUE / 2;

        static {
            try {
                OUTSTANDING = MethodHandles.lookup().findVarHandle(Tracker.class, "outstanding", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final DeliveryCallback callback;
        final Node source;
        /** The partition of the source the item was read from; null if the source has one. */
        final Object partition;
        /** The number of the partition's assignment it was read under ({@link Assignment}). */
        final long epoch;
        /**
         * The work outstanding; zero once delivered, {@link #FAILED} once failed, so the callback
         * hears exactly once. Starts at one: the emit itself, until {@link #handOut} or a release.
         */
        private volatile int outstanding = 1;

        Tracker(DeliveryCallback callback, Node source, Object partition, long epoch) {
            this.callback = callback;
            this.source = source;
            this.partition = partition;
            this.epoch = epoch;
        }

        /**
         * Whether the partition the item was read from was revoked since: its next reader reads
         * it again, so what this pipeline still holds of it must not count.
         */
        boolean isRevoked() {
            return epoch != Assignment.UNANNOUNCED && source.epochOf(partition) != epoch;
        }

        /**
         * Replaces the emit's own count with {@code links} deliveries, before any link has the
         * tracker: only the emitting thread knows it yet, so a plain write does, and the emit
         * then has nothing left to release.
         */
        void handOut(int links) {
            OUTSTANDING.set(this, links);
        }

        /** The work outstanding: zero or less once delivered or failed. */
        int outstanding() {
            return outstanding;
        }

        @Override
        void retain(int n) {
            OUTSTANDING.getAndAdd(this, n);
        }

        @Override
        void release() {
            if ((int) OUTSTANDING.getAndAdd(this, -1) == 1) {
                notify(null);
            }
        }

        @Override
        void fail(Throwable cause) {
            for (int count = outstanding; count > 0; count = outstanding) {
                if (OUTSTANDING.compareAndSet(this, count, FAILED)) {
                    notify(cause);
                    return;
                }
            }
        }

        private void notify(Throwable failure) {
            try {
                if (failure == null) {
                    callback.delivered();
                } else {
                    callback.failed(failure);
                }
            } catch (RuntimeException | Error e) {
                source.report(new PipelineException(source.name, source.label()
                        + "'s DeliveryCallback threw: " + e + ". Keep delivery callbacks short and let them not throw.", e));
            }
        }

        @Override
        void collectRoots(Map<Tracker, Boolean> roots) {
            roots.put(this, Boolean.TRUE);
        }

        @Override
        boolean anyRoot(java.util.function.Predicate<Tracker> test) {
            return test.test(this);
        }
    }

    /** Several source items, for an output aggregated from several inputs. */
    static final class Union extends Lineage {
        private final Tracker[] roots;

        Union(Tracker[] roots) {
            this.roots = roots;
        }

        @Override
        void retain(int n) {
            for (Tracker root : roots) {
                root.retain(n);
            }
        }

        @Override
        void release() {
            for (Tracker root : roots) {
                root.release();
            }
        }

        @Override
        void fail(Throwable cause) {
            for (Tracker root : roots) {
                root.fail(cause);
            }
        }

        @Override
        void collectRoots(Map<Tracker, Boolean> collected) {
            for (Tracker root : roots) {
                collected.put(root, Boolean.TRUE);
            }
        }

        @Override
        boolean anyRoot(java.util.function.Predicate<Tracker> test) {
            for (Tracker root : roots) {
                if (test.test(root)) {
                    return true;
                }
            }
            return false;
        }
    }
}
