package io.nanostream.kafka;

import java.util.ArrayDeque;

/**
 * The records of one assigned partition that the source has emitted and the pipeline has not yet
 * finished, in offset order: the offset to commit is the first unfinished one. Records finish on
 * pipeline threads, in any order; the poll thread reads the commit position.
 */
final class PartitionProgress {

    /** One emitted record; done once everything derived from it reached every sink. */
    final class Entry {
        final long offset;
        private boolean done;
        private boolean settled;

        Entry(long offset) {
            this.offset = offset;
        }

        /** Everything derived from the record was processed: it may be committed. */
        void delivered() {
            synchronized (PartitionProgress.this) {
                done = true;
                settled = true;
                while (!inFlight.isEmpty() && inFlight.peek().done) {
                    finished = inFlight.poll().offset + 1;
                }
                PartitionProgress.this.notifyAll();
            }
        }

        /** The record did not make it: the commit position stays before it. */
        void failed() {
            synchronized (PartitionProgress.this) {
                settled = true;
                PartitionProgress.this.notifyAll();
            }
        }
    }

    private final ArrayDeque<Entry> inFlight = new ArrayDeque<>();
    /** The offset after the last record finished with nothing unfinished before it; -1 if none. */
    private long finished = -1;
    private long committed = -1;

    synchronized Entry emitted(long offset) {
        Entry entry = new Entry(offset);
        inFlight.add(entry);
        return entry;
    }

    /** The offset to commit if it moved since the last commit, or -1. */
    synchronized long toCommit() {
        return finished > committed ? finished : -1;
    }

    synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /**
     * The offset to read again from if this partition comes back to this member after a
     * revocation: the first record not known to be finished, or -1 if no record was emitted.
     */
    synchronized long resumeOffset() {
        if (finished >= 0) {
            return finished;
        }
        return inFlight.isEmpty() ? -1 : inFlight.peek().offset;
    }

    /** Whether every emitted record is settled: delivered, or failed for good. */
    synchronized boolean isSettled() {
        for (Entry entry : inFlight) {
            if (!entry.settled) {
                return false;
            }
        }
        return true;
    }

    /** Waits up to {@code millis} for a record to be settled. */
    synchronized void awaitChange(long millis) throws InterruptedException {
        wait(millis);
    }
}
