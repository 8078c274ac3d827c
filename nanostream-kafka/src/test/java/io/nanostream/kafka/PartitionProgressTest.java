package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** What a partition's commits say: the first unfinished offset, and what finished beyond it. */
class PartitionProgressTest {

    @Test
    void theCommitIsTheFirstUnfinishedRecordWithTheFinishedOnesBeyondItInItsMetadata() {
        PartitionProgress progress = new PartitionProgress(FinishedOffsets.NONE);
        PartitionProgress.Entry first = progress.emitted(10);
        progress.emitted(11).delivered();
        progress.emitted(13); // 12 is a gap: a compacted record, or a transaction marker
        progress.emitted(14).delivered();

        OffsetAndMetadata commit = progress.toCommit();

        assertEquals(10, commit.offset());
        FinishedOffsets finished = FinishedOffsets.decode(commit);
        assertTrue(finished.contains(11) && finished.contains(14));
        assertFalse(finished.contains(10) || finished.contains(13));
        first.delivered();
        assertEquals(13, progress.toCommit().offset());
    }

    @Test
    void nothingIsCommittedBeforeARecordFinishesOrWhenNothingChanged() {
        PartitionProgress progress = new PartitionProgress(FinishedOffsets.NONE);
        progress.emitted(0);
        assertNull(progress.toCommit());
        progress.emitted(1).delivered();
        progress.toCommit();
        progress.committed();

        assertNull(progress.toCommit());
    }

    /** A regression: a commit made after a comeback forgot what the last one recorded beyond what was read again. */
    @Test
    void aCommitAfterAComebackKeepsWhatTheLastCommitRecordedBeyondWhatWasReadAgain() {
        // the last commit: 100 unfinished, 101 to 4 999 finished
        FinishedOffsets recorded = FinishedOffsets.decode(new OffsetAndMetadata(100,
                FinishedOffsets.encode(new long[] {1, 4_899}, 2).metadata()));
        PartitionProgress progress = new PartitionProgress(recorded);
        progress.emitted(100).delivered(); // read again and finished; 101 on not read yet

        OffsetAndMetadata commit = progress.toCommit();

        FinishedOffsets next = FinishedOffsets.decode(commit);
        assertEquals(101, commit.offset());
        assertTrue(next.contains(101) && next.contains(4_999), commit.metadata());
        assertFalse(next.contains(5_000));
    }
}
