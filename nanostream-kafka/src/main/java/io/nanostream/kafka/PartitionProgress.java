package io.nanostream.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * The records of one assigned partition that the source has emitted and the pipeline has not yet
 * finished, in offset order: the offset to commit is the first unfinished one, and the records
 * finished after it go into the commit's metadata ({@link FinishedOffsets}), so that a replay
 * skips them. Records finish on pipeline threads, in any order; the poll thread reads the commit
 * position.
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
                changes++;
                if (journal != null) {
                    journal.done(offset);
                }
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
    /** What the partition's last commit said was finished beyond its offset: records to skip. */
    private final FinishedOffsets finishedBefore;
    /** The offset after the last record finished with nothing unfinished before it; -1 if none. */
    private long finished = -1;
    /** Records finished so far, and as of the last commit: a change to commit even if the offset stays. */
    private long changes;
    private long changesCommitted;
    private long changesToCommit;
    /** Whether the finished records beyond the offset took over half the metadata at the last look. */
    private boolean crowded;
    /** Where each finished record is written the moment it finishes; null without a journal. */
    private final FinishedJournal.Slot journal;
    /** The token the journal's run appends to its commits; null without a journal. */
    private final String token;
    /** The first offset emitted; -1 before. */
    private long firstEmitted = -1;

    PartitionProgress(FinishedOffsets finishedBefore) {
        this(finishedBefore, null, null);
    }

    PartitionProgress(FinishedOffsets finishedBefore, FinishedJournal.Slot journal, String token) {
        this.finishedBefore = finishedBefore;
        this.journal = journal;
        this.token = token;
    }

    synchronized Entry emitted(long offset) {
        if (firstEmitted < 0) {
            firstEmitted = offset;
        }
        Entry entry = new Entry(offset);
        inFlight.add(entry);
        return entry;
    }

    /** Whether the partition's last commit says the record at {@code offset} was processed already. */
    boolean finishedBefore(long offset) {
        return finishedBefore.contains(offset);
    }

    /**
     * The offset to commit, with the records finished beyond it in its metadata, if either changed
     * since the last commit; else null.
     */
    synchronized OffsetAndMetadata toCommit() {
        return toCommit(false);
    }

    /**
     * The offset to commit, with the records finished beyond it in its metadata: if either
     * changed since the last commit, or whenever anything was finished when {@code evenIfUnchanged}
     * (a synchronous commit confirms what an asynchronous one may have lost); else null.
     */
    synchronized OffsetAndMetadata toCommit(boolean evenIfUnchanged) {
        long position = inFlight.isEmpty() ? finished : inFlight.peek().offset;
        if (position < 0 || !evenIfUnchanged && changes == changesCommitted) {
            return null; // nothing finished yet, or nothing since the last commit
        }
        Runs runs = new Runs(position);
        for (long[] range : finishedBeyond()) {
            runs.finished(range[0], range[1]);
        }
        FinishedOffsets.Encoded map = FinishedOffsets.encode(runs.lengths, runs.count);
        crowded = map.crowded();
        changesToCommit = changes;
        return new OffsetAndMetadata(position, FinishedOffsets.withToken(map.metadata(), token));
    }

    /**
     * The records finished beyond the first unfinished one, in offset order: those emitted since
     * and done, then those the last commit recorded and not read again yet.
     */
    private List<long[]> finishedBeyond() {
        List<long[]> ranges = new ArrayList<>();
        long read = -1; // the offset after the last record read since the partition came
        for (Entry entry : inFlight) {
            if (entry.done) {
                ranges.add(new long[] {entry.offset, entry.offset + 1});
            }
            read = entry.offset + 1;
        }
        ranges.addAll(finishedBefore.rangesFrom(Math.max(read, finished))); // recorded by the last commit
        return ranges;
    }

    /**
     * Every record known finished: from the first one emitted up to the first unfinished one,
     * and those beyond it, as [from, to) ranges. What a {@link FinishedJournal} starts a new
     * generation with.
     */
    synchronized List<long[]> finishedRanges() {
        List<long[]> ranges = new ArrayList<>();
        long position = inFlight.isEmpty() ? finished : inFlight.peek().offset;
        if (firstEmitted >= 0 && position > firstEmitted) {
            ranges.add(new long[] {firstEmitted, position});
        }
        ranges.addAll(finishedBeyond());
        return ranges;
    }

    /**
     * Alternating run lengths from a commit position, unfinished first, built from finished
     * ranges in offset order; a gap between two finished records with nothing read in it (a
     * compacted or transaction-marker offset) joins them.
     */
    private static final class Runs {
        long[] lengths = new long[8];
        int count;
        private long end;

        Runs(long position) {
            this.end = position;
        }

        void finished(long from, long to) {
            if (count > 0 && from <= end) {
                lengths[count - 1] += to - end; // extends the last finished run
            } else {
                add(from - end);
                add(to - from);
            }
            end = to;
        }

        private void add(long length) {
            if (count == lengths.length) {
                lengths = java.util.Arrays.copyOf(lengths, count * 2);
            }
            lengths[count++] = length;
        }
    }

    /** The last offset and map from {@link #toCommit} were committed. */
    synchronized void committed() {
        changesCommitted = changesToCommit;
    }

    /**
     * Whether the records finished beyond the commit position took over half the room in the
     * commit's metadata at the last commit: the source then stops reading this partition until
     * its first unfinished record is done, rather than let the map outgrow the metadata.
     */
    synchronized boolean isCrowded() {
        return crowded;
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
