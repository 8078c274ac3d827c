package io.nanostream.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * The lineages of the items submitted to one link and not delivered yet, in submission order: a
 * ring written by the emitting thread (one at a time, as emits are) and taken by the delivering
 * one. Whoever ends the link closes it and drains what is left; takers claim each entry with a
 * compare-and-set, so an entry is taken once even when a drain races a delivery.
 *
 * <p>The ring never fills: an entry is added just before its item is submitted, the
 * publisher's buffer holds at most {@code bufferCapacity} items not yet delivered, and a link
 * closes its queue before the buffer can drop items (cancel, failure), so no entry outlives its
 * item unclaimed.
 */
final class LineageQueue {

    /*
     * A closer writes `closed` then reads `tail`; an adder writes `tail` then reads `closed`
     * (both volatile), so at least one of them sees the other: the adder that sees `closed`
     * drains too, and no entry added around the close is left behind. Taken slots are not
     * cleared (a clear could erase an entry the adder has just written there); they are
     * overwritten a lap later.
     */

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(LineageQueue.class, "head", long.class);
            TAIL = lookup.findVarHandle(LineageQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    private volatile long head;
    private volatile long tail;
    private volatile boolean closed;

    LineageQueue(int bufferCapacity) {
        int size = Integer.highestOneBit(Math.max(2, bufferCapacity + 2) - 1) << 1; // a power of two > capacity + 1
        this.slots = new Object[size];
        this.mask = size - 1;
    }

    /**
     * Adds the entry of the next item submitted; by the emitting thread only.
     *
     * @return false if the queue was closed: the entry was not added, or was drained at once
     */
    boolean add(Object entry, Consumer<Object> drained) {
        if (closed) {
            return false;
        }
        long t = tail;
        if (t - head >= slots.length) {
            throw new IllegalStateException("more items pending on a link than its buffer holds: " + (t - head));
        }
        SLOT.setRelease(slots, (int) t & mask, entry);
        TAIL.setVolatile(this, t + 1);
        if (closed) {
            drain(drained);
            return false;
        }
        return true;
    }

    /** Takes the oldest entry; null if there is none. */
    Object poll() {
        for (;;) {
            long h = head;
            if (h >= tail) {
                return null;
            }
            Object entry = SLOT.getAcquire(slots, (int) h & mask);
            if (HEAD.compareAndSet(this, h, h + 1)) {
                return entry;
            }
        }
    }

    /** Refuses further entries and hands every entry left to {@code drained}. */
    void close(Consumer<Object> drained) {
        closed = true;
        drain(drained);
    }

    private void drain(Consumer<Object> drained) {
        for (Object entry = poll(); entry != null; entry = poll()) {
            drained.accept(entry);
        }
    }
}
