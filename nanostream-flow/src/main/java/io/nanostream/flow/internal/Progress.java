package io.nanostream.flow.internal;

import io.nanostream.flow.DeliveryCallback;
import java.util.ArrayDeque;

/**
 * The items a source emitted from one input, in the order it read them, and the position to
 * resume from after a restart: the position after the last item finished with nothing unfinished
 * before it. Items finish on pipeline threads, in any order; the source reads the position from
 * its own. Not API; this package is exported only to nanostream's own modules.
 */
public final class Progress {

    /** One emitted item, and the position just after it: the callback it was emitted with. */
    public final class Entry implements DeliveryCallback {
        private final long after;
        private boolean done;

        private Entry(long after) {
            this.after = after;
        }

        /** Everything derived from the item reached every sink: its position may be kept. */
        @Override
        public void delivered() {
            synchronized (Progress.this) {
                done = true;
                while (!inFlight.isEmpty() && inFlight.peek().done) {
                    position = inFlight.poll().after;
                }
                settle();
            }
        }

        /**
         * The item did not make it: the position stays before it.
         *
         * @param cause why
         */
        @Override
        public void failed(Throwable cause) {
            synchronized (Progress.this) {
                settle();
            }
        }

        private void settle() {
            unsettled--;
            Progress.this.notifyAll();
        }
    }

    private final ArrayDeque<Entry> inFlight = new ArrayDeque<>();
    private long position;
    private long unsettled;

    /**
     * Starts at the position a restart resumes from.
     *
     * @param position where reading starts
     */
    public Progress(long position) {
        this.position = position;
    }

    /**
     * Records an item emitted, whose successor starts at {@code after}.
     *
     * @param after the position just after the item
     * @return what the item's delivery callback settles
     */
    public synchronized Entry emitted(long after) {
        Entry entry = new Entry(after);
        inFlight.add(entry);
        unsettled++;
        return entry;
    }

    /**
     * The position after the last item finished with nothing unfinished before it.
     *
     * @return the position to resume from
     */
    public synchronized long position() {
        return position;
    }

    /**
     * Waits until every item emitted was settled, delivered or failed, or until the deadline.
     *
     * @param deadline a {@link System#nanoTime()} to give up at
     * @return how many are still unsettled
     * @throws InterruptedException if interrupted while waiting
     */
    public synchronized long awaitSettled(long deadline) throws InterruptedException {
        for (long left = deadline - System.nanoTime(); unsettled > 0 && left > 0; left = deadline - System.nanoTime()) {
            wait(Math.max(1, left / 1_000_000));
        }
        return unsettled;
    }
}
