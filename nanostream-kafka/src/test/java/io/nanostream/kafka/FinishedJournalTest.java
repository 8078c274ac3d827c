package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal of records finished since the last commit: what a run writes, the next run reads
 * and uses only on top of a commit it may trust.
 */
class FinishedJournalTest {

    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    /** The token of the run that made the commit a run found. */
    private static final String BASE = FinishedOffsets.token(0x1234L);
    /** The token of another member's run. */
    private static final String ANOTHER = FinishedOffsets.token(0x5678L);

    @TempDir
    Path directory;

    private Path file() {
        return directory.resolve("orders.journal");
    }

    private static List<Long> finished(FinishedOffsets map, long from, long to) {
        List<Long> offsets = new ArrayList<>();
        LongStream.range(from, to).filter(map::contains).forEach(offsets::add);
        return offsets;
    }

    /** A commit at {@code offset} made by the run with {@code token}, recording {@code finished} beyond it. */
    private static OffsetAndMetadata commit(long offset, String token, long... runs) {
        String map = runs.length > 0 ? FinishedOffsets.encode(runs, runs.length).metadata() : "";
        return new OffsetAndMetadata(offset, FinishedOffsets.withToken(map, token));
    }

    /** A run that took ORDERS_0 on at {@code base}, finished {@code done}, and died: its journal stays. */
    private String runThatDied(OffsetAndMetadata base, long... done) {
        FinishedJournal journal = FinishedJournal.open(file());
        FinishedJournal.Slot slot = journal.resume(ORDERS_0, base, FinishedOffsets.decode(base)).slot();
        for (long offset : done) {
            slot.done(offset);
        }
        String token = journal.token();
        journal.close(); // what kill -9 leaves of a mapping is what was written to it: all of it
        return token;
    }

    /** Takes ORDERS_0 on at {@code base} and records offsets 0 to {@code count} - 1 finished. */
    private static FinishedJournal.Slot takeOnWithDone(FinishedJournal journal, OffsetAndMetadata base, int count) {
        FinishedJournal.Slot slot = journal.resume(ORDERS_0, base, FinishedOffsets.NONE).slot();
        for (long offset = 0; offset < count; offset++) {
            slot.done(offset);
        }
        return slot;
    }

    private FinishedOffsets restartAt(OffsetAndMetadata commit) {
        try (FinishedJournal journal = FinishedJournal.open(file())) {
            return journal.resume(ORDERS_0, commit, FinishedOffsets.decode(commit)).finished();
        }
    }

    @Test
    void aRestartOnTheCommitTheDeadRunFoundSkipsWhatItFinishedAfterIt() {
        OffsetAndMetadata base = commit(10, BASE, 2, 1); // 12 finished beyond 10
        runThatDied(base, 10, 11, 14, 20);

        FinishedOffsets skipped = restartAt(base);

        assertEquals(List.of(10L, 11L, 12L, 14L, 20L), finished(skipped, 0, 30));
    }

    @Test
    void aRestartOnACommitTheDeadRunMadeSkipsWhatItFinishedAfterIt() {
        String token = runThatDied(commit(0, BASE), 0, 1, 2, 5, 6);

        FinishedOffsets skipped = restartAt(commit(3, token)); // its commit of 0-2 landed, then it died

        assertEquals(List.of(5L, 6L), finished(skipped, 0, 10));
    }

    @Test
    void aCommitByAnyoneElseMakesTheJournalSayNothing() {
        runThatDied(commit(0, BASE), 0, 1, 2, 5, 6);

        assertEquals(List.of(), finished(restartAt(commit(3, ANOTHER)), 0, 10), "another member's commit");
        runThatDied(commit(0, BASE), 0, 1, 2, 5, 6);
        assertEquals(List.of(), finished(restartAt(new OffsetAndMetadata(3)), 0, 10), "a commit without a token");
        runThatDied(commit(0, BASE), 0, 1, 2, 5, 6);
        assertEquals(List.of(), finished(restartAt(null), 0, 10), "no commit at all: a topic made again, say");
    }

    @Test
    void whatTheRestartSkipsIsCarriedIntoItsOwnJournalForTheRunAfterIt() {
        OffsetAndMetadata base = commit(0, BASE);
        runThatDied(base, 0, 1, 5);
        runThatDied(base, 2); // died before its first commit: the next one still finds the first run's 5

        assertEquals(List.of(0L, 1L, 2L, 5L), finished(restartAt(base), 0, 10));
    }

    @Test
    void aTornLastEntryEndsTheJournalAndKeepsWhatCameBefore() throws IOException {
        OffsetAndMetadata base = commit(0, BASE);
        runThatDied(base, 1, 2, 3);
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Map<TopicPartition, FinishedJournal.Previous> before = FinishedJournal.read(
                    channel.map(FileChannel.MapMode.READ_ONLY, 0, FinishedJournal.CAPACITY));
            assertEquals(3, before.get(ORDERS_0).finished().size());
            // header 24 bytes, the partition entry 35 ("orders"), then three DONE entries of 15: tear
            // the last one's offset (its byte 10, the offset's lowest)
            var map = channel.map(FileChannel.MapMode.READ_WRITE, 0, FinishedJournal.CAPACITY);
            int last = 24 + 35 + 2 * 15;
            assertEquals(3, map.getLong(last + 3), "the layout this test tears");
            map.put(last + 10, (byte) 0x43);
            map.force();
        }

        assertEquals(List.of(1L, 2L), finished(restartAt(base), 0, 10));
    }

    @Test
    void aPageLostToAPowerCutEndsTheJournalThereAndKeepsWhatCameBefore() throws IOException {
        OffsetAndMetadata base = commit(0, BASE);
        runThatDied(base, LongStream.range(0, 1_000).toArray());
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // the third page never reached the disk: it reads as it was before, zeros in a new file;
            // the pages after it did. Header 24 bytes, the partition entry 35, DONE entries of 15:
            // 542 end before byte 8 192
            channel.write(java.nio.ByteBuffer.allocate(4_096), 8_192);
            channel.force(true);
        }

        assertEquals(LongStream.range(0, 542).boxed().collect(java.util.stream.Collectors.toList()),
                finished(restartAt(base), 0, 1_000), "the entries before the lost page, none after it");
    }

    @Test
    @EnabledOnOs(OS.LINUX) // reads the blocks with GNU stat
    void aJournalTakesItsWholeSizeOnDiskWhenItOpensSoThatItsWritesNeverNeedMore() throws Exception {
        FinishedJournal.open(file()).close();
        assertTrue(bytesOnDisk(file()) >= FinishedJournal.CAPACITY, "a new file is sparse");

        Path copied = directory.resolve("copied.journal");
        runThatDied(commit(0, BASE), 1, 2, 3);
        try (var sparse = new java.io.RandomAccessFile(copied.toFile(), "rw")) { // a copy that kept the holes
            sparse.write(Files.readAllBytes(file()), 0, 4_096);
            sparse.setLength(FinishedJournal.CAPACITY);
        }
        assertTrue(bytesOnDisk(copied) < FinishedJournal.CAPACITY, "the copy is sparse");
        try (FinishedJournal journal = FinishedJournal.open(copied)) {
            assertEquals(List.of(1L, 2L, 3L), finished(journal.resume(ORDERS_0, commit(0, BASE), FinishedOffsets.NONE)
                    .finished(), 0, 10), "what the copy held is read");
        }
        assertTrue(bytesOnDisk(copied) >= FinishedJournal.CAPACITY, "a file with holes keeps them");
    }

    private static long bytesOnDisk(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        assertTrue(stat.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "stat ended");
        String[] blocks = new String(stat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .trim().split(" ");
        assertEquals(0, stat.exitValue(), String.join(" ", blocks));
        return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
    }

    @Test
    @EnabledOnOs(OS.LINUX) // limits the file size with bash's ulimit
    void aDiskTooFullForTheJournalFailsItsOpeningWithWhatToDo() throws Exception {
        // a file size limit of 4 MiB for the child JVM: its writes past it fail as on a full disk
        ProcessBuilder launch = io.nanostream.kafka.broker.EmbeddedKafka.java(FinishedJournalTest.class.getName(),
                file().toString());
        List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -f 4096 && exec \"$@\"", "limited"));
        command.addAll(launch.command());
        Process child = launch.command(command).start();
        if (!child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the child did not end");
        }
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertTrue(out.contains("the journal " + file() + " needs 8 MiB on disk and could not have them")
                && out.contains("another directory"), out);
    }

    /**
     * Opens the journal at {@code args[0]} and says how that went: {@link
     * #aDiskTooFullForTheJournalFailsItsOpeningWithWhatToDo}'s child.
     *
     * @param args the journal's path
     */
    public static void main(String[] args) {
        try {
            FinishedJournal.open(Path.of(args[0])).close();
            System.out.println("opened");
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
    }

    @Test
    void aRollKeepsWhatTheProgressKnowsAndDropsTheEntriesBeforeIt() {
        OffsetAndMetadata base = commit(0, BASE);
        try (FinishedJournal journal = FinishedJournal.open(file())) {
            FinishedJournal.Slot slot = takeOnWithDone(journal, base, 50); // longer than the new generation
            PartitionProgress progress = new PartitionProgress(FinishedOffsets.NONE); // knows less
            List<PartitionProgress.Entry> entries = new ArrayList<>();
            for (long offset = 0; offset < 8; offset++) {
                entries.add(progress.emitted(offset));
            }
            for (int i : new int[] {0, 1, 2, 4, 6}) {
                entries.get(i).delivered();
            }
            journal.roll(Map.of(ORDERS_0, progress));
            slot.done(7); // after the roll: appended to the new generation
        }

        assertEquals(List.of(0L, 1L, 2L, 4L, 6L, 7L), finished(restartAt(base), 0, 60),
                "what the progress knew, and 7; the old generation's entries left further on are not read");
    }

    @Test
    void entriesAnOlderGenerationLeftFurtherOnAreNotRead() {
        OffsetAndMetadata base = commit(0, BASE);
        try (FinishedJournal journal = FinishedJournal.open(file())) {
            FinishedJournal.Slot slot = takeOnWithDone(journal, base, 10);
            // a progress that knows nothing: the new generation is the header and the partition,
            // so its next entry lands exactly where the old generation's first one was
            journal.roll(Map.of(ORDERS_0, new PartitionProgress(FinishedOffsets.NONE)));
            slot.done(20);
        }

        assertEquals(List.of(20L), finished(restartAt(base), 0, 30), "the old entries after it are well formed, but stale");
    }

    @Test
    void aRunKilledBeforeItsAssignmentLeavesTheJournalAsItFoundIt() {
        OffsetAndMetadata base = commit(0, BASE);
        runThatDied(base, 0, 1, 5);
        FinishedJournal.open(file()).close(); // opened, never given a partition

        assertEquals(List.of(0L, 1L, 5L), finished(restartAt(base), 0, 10));
    }

    @Test
    void aPartitionNotGivenBackKeepsItsEntriesForTheRunThatGetsIt() {
        TopicPartition orders1 = new TopicPartition("orders", 1);
        OffsetAndMetadata base = commit(0, BASE);
        try (FinishedJournal journal = FinishedJournal.open(file())) {
            journal.resume(ORDERS_0, base, FinishedOffsets.NONE).slot().done(1);
            journal.resume(orders1, base, FinishedOffsets.NONE).slot().done(2);
        }
        try (FinishedJournal journal = FinishedJournal.open(file())) { // given orders-0 only
            FinishedJournal.Resumed resumed = journal.resume(ORDERS_0, base, FinishedOffsets.NONE);
            PartitionProgress progress = new PartitionProgress(resumed.finished(), resumed.slot(), journal.token());
            List<PartitionProgress.Entry> read = new ArrayList<>();
            for (long offset = 0; offset < 4; offset++) {
                read.add(progress.emitted(offset));
            }
            read.get(1).delivered(); // skipped: the journal had it
            read.get(3).delivered();
            journal.roll(Map.of(ORDERS_0, progress)); // carries orders-1 over too
        }

        try (FinishedJournal journal = FinishedJournal.open(file())) {
            assertEquals(List.of(2L), finished(journal.resume(orders1, base, FinishedOffsets.NONE).finished(), 0, 10));
            assertEquals(List.of(1L, 3L), finished(journal.resume(ORDERS_0, base, FinishedOffsets.NONE).finished(), 0, 10));
        }
    }

    @Test
    void aJournalOpenInAnotherSourceIsRefusedWithWhatToDo() {
        FinishedJournal first = FinishedJournal.open(file());
        try {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> FinishedJournal.open(file()));
            assertTrue(refused.getMessage().contains(file().toString()) && refused.getMessage().contains("groupInstanceId"),
                    refused.getMessage());
        } finally {
            first.close();
        }
        FinishedJournal.open(file()).close(); // free again once the first is closed
    }

    @Test
    void aFileThatIsNotAJournalSaysNothing() throws IOException {
        Files.writeString(file(), "not a journal");

        assertEquals(List.of(), finished(restartAt(commit(0, BASE)), 0, 10));
    }
}
