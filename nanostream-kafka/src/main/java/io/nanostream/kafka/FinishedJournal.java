package io.nanostream.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records a source finished since its last commit, written to a memory-mapped file the
 * moment each finishes, so that a restart of the same member on the same machine after kill -9
 * skips them too: what the process wrote to the mapping is in the operating system's page cache,
 * which outlives the process (not the machine: after a power cut the journal may lack its last
 * entries, which costs replays, never records).
 *
 * <p><b>When a journal counts.</b> Each run of the source has a random token, which it appends to
 * the metadata of every commit ({@link FinishedOffsets#withToken}). A partition's entries were
 * written on top of the commit the run found when the partition was assigned (its base). At the
 * next assignment the journal's entries are used only if the partition's last commit is that
 * base or was made by that run: then they and the commit describe the same records. A commit by
 * anyone else (another member, another tool, a topic made again under the same name) makes the
 * journal add nothing for that partition. Every entry is a record that was finished, so what a
 * trusted journal adds is never a record to process.
 *
 * <p><b>Format.</b> A header (magic, generation, run token, CRC), then entries: a partition (its
 * slot, topic, number, and the tokens its entries are trusted on besides the run's), a finished
 * offset, or a finished range of offsets, each with a CRC32C over the generation and its bytes.
 * Reading stops at the first entry that does not check, so a torn last write, or what an older
 * generation left further on, is ignored. A partition entry read again for a slot starts it
 * afresh. Entries are appended under one lock; when the file is half full, the polling thread
 * starts a new generation at the top of the file holding the partitions and what is known
 * finished of each ({@link #roll}), and appends go on from there. What does not fit is dropped
 * until then: replays, never records.
 *
 * <p>A new run's first generation carries over what the last run wrote of the partitions it has
 * not yet taken on, under the last run's tokens, so that a run killed before its assignment, or
 * not given a partition back, leaves the journal as it found it.
 *
 * <p>Thread-safe: {@link Slot#done} is called on the threads where records finish.
 */
final class FinishedJournal implements AutoCloseable {

    /** The file's size: room for about 280 000 finished offsets between two rolls. */
    static final int CAPACITY = 8 << 20;
    private static final int MAGIC = 0x4E534A31; // "NSJ1"
    private static final int HEADER = 4 + 8 + 8 + 4;
    /** What {@link #allocate} looks at at a time: a memory page, a file system block. */
    private static final int PAGE = 4_096;
    private static final byte PARTITION = 1;
    private static final byte DONE = 2;
    private static final byte RANGE = 3;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final System.Logger LOG = System.getLogger("io.nanostream.kafka");
    /**
     * The journals this JVM has open, by real path: a second channel to a file this process has
     * locked must never be opened, since closing it would drop the process's lock (POSIX locks).
     */
    private static final java.util.Set<Path> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path key;
    private final FileChannel channel;
    private final MappedByteBuffer map;
    /** What the last run wrote of the partitions not yet taken on; carried into each generation. */
    private final Map<TopicPartition, Previous> previous;
    private final long runToken;
    /** Partitions by slot, with the tokens their entries are trusted on: written again at each roll. */
    private final Map<TopicPartition, Slot> slots = new HashMap<>();
    private final CRC32C crc = new CRC32C();
    /** The entry {@link Slot#done} writes, the one written on every record: made once, used under the lock. */
    private final ByteBuffer done = ByteBuffer.allocate(1 + 2 + 8);
    private long generation;
    /** The generation's bytes, which every entry's CRC starts with. */
    private byte[] generationBytes;
    private int position;
    /** Whether an entry did not fit: nothing more is written until the next generation. */
    private boolean full;
    /** Whether writing failed (a mapped page faulted) or the journal was closed: nothing more is written. */
    private boolean stopped;

    /** What the last run's journal says of a partition: its entries count on a commit with one of the tokens. */
    record Previous(long runToken, long baseToken, long alsoToken, List<long[]> finished) {
        boolean trusts(long token) {
            return token != 0 && (token == runToken || token == baseToken || token == alsoToken);
        }
    }

    /** A partition's place in the journal. */
    final class Slot {
        private final short index;
        private final TopicPartition partition;
        private long baseToken;
        private long alsoToken;

        private Slot(short index, TopicPartition partition) {
            this.index = index;
            this.partition = partition;
        }

        /** Records that the record at {@code offset} finished. */
        void done(long offset) {
            synchronized (FinishedJournal.this) {
                append(done.clear().put(DONE).putShort(index).putLong(offset));
            }
        }
    }

    private FinishedJournal(Path file, Path key, FileChannel channel, MappedByteBuffer map,
            Map<TopicPartition, Previous> previous) {
        this.file = file;
        this.key = key;
        this.channel = channel;
        this.map = map;
        this.previous = previous;
        this.runToken = nonZeroRandom();
        for (Map.Entry<TopicPartition, Previous> carried : previous.entrySet()) {
            Slot slot = slotOf(carried.getKey());
            slot.baseToken = carried.getValue().baseToken();
            slot.alsoToken = carried.getValue().alsoToken() != 0 ? carried.getValue().alsoToken()
                    : carried.getValue().runToken();
        }
        startGeneration();
    }

    /**
     * Opens the journal file, reads what the last run wrote, and starts this run's.
     *
     * @throws IllegalStateException if another source, in this process or another, has it open
     * @throws UncheckedIOException if it cannot be read or written
     */
    static FinishedJournal open(Path file) {
        Path key = file.toAbsolutePath().normalize();
        if (!OPEN.add(key)) {
            throw refused(file);
        }
        FileChannel channel = null;
        boolean opened = false;
        try {
            Files.createDirectories(key.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (channel.tryLock() == null) { // released when the channel closes
                throw refused(file);
            }
            allocate(channel, file);
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
            FinishedJournal journal = new FinishedJournal(file, key, channel, map, read(map));
            opened = true;
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the journal " + file + ": " + e.getMessage(), e);
        } finally {
            if (!opened) {
                closeQuietly(channel, file); // the lock, if taken, goes with the channel
                OPEN.remove(key);
            }
        }
    }

    /**
     * Gives every page of the file its blocks on disk, where a mapping would leave holes (a new
     * file's sparse end, or a file copied sparse): a page that reads as zeros is written with
     * zeros, one with content is left as it is. A disk too full for the file fails the opening,
     * with what to do, rather than a write to a mapped page later, which the JVM reports as an
     * InternalError on whatever thread it reaches. (On a file system that does not write in
     * place, copy-on-write or compressing, a full disk can still fault a page.)
     */
    private static void allocate(FileChannel channel, Path file) {
        ByteBuffer page = ByteBuffer.allocate(PAGE);
        try {
            for (long at = 0; at < CAPACITY; at += PAGE) {
                page.clear();
                while (page.hasRemaining() && channel.read(page, at + page.position()) > 0) {
                    // a short read goes on where it stopped; the end of the file reads as zeros
                }
                if (isZeros(page)) {
                    page.clear();
                    java.util.Arrays.fill(page.array(), (byte) 0);
                    while (page.hasRemaining()) {
                        channel.write(page, at + page.position());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the journal " + file + " needs " + (CAPACITY >> 20) + " MiB on disk and"
                    + " could not have them (" + e.getMessage() + "): free space there, or give journal(..) another"
                    + " directory", e);
        }
    }

    /** Whether what was read into the page is all zeros (what was not read counts as zeros). */
    private static boolean isZeros(ByteBuffer page) {
        byte[] bytes = page.array();
        for (int i = 0; i < page.position(); i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static void closeQuietly(FileChannel channel, Path file) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "could not close the journal " + file + ": " + e);
            }
        }
    }

    private static IllegalStateException refused(Path file) {
        return new IllegalStateException("the journal " + file + " is open in another running source: give"
                + " each member of the group its own journal directory, or its own groupInstanceId");
    }

    /** The token this run appends to its commits' metadata. */
    String token() {
        return FinishedOffsets.token(runToken);
    }

    /**
     * Takes a partition on at its assignment: the finished records the restart may skip are those
     * of its last commit and, when the journal trusts that commit, those the journal recorded;
     * this run's entries for it start from there.
     *
     * @param commit the partition's last commit, or null
     * @param committed the finished records the commit's metadata records
     * @return the finished records to skip, and the slot to record this run's in
     */
    synchronized Resumed resume(TopicPartition partition, OffsetAndMetadata commit, FinishedOffsets committed) {
        FinishedOffsets finished = skipped(previous.remove(partition), commit, committed);
        Slot slot = slotOf(partition);
        slot.baseToken = FinishedOffsets.tokenOf(commit);
        slot.alsoToken = 0;
        writePartition(slot);
        if (commit != null) {
            for (long[] range : finished.rangesFrom(commit.offset())) {
                range(slot, range[0], range[1]);
            }
        }
        return new Resumed(finished, slot);
    }

    /**
     * The rule of trust: what a run taking a partition on skips, from its last commit and what the
     * last run's journal says of it ({@code before}, null if nothing): the commit's finished
     * records, and the journal's too when it trusts that commit.
     */
    static FinishedOffsets skipped(Previous before, OffsetAndMetadata commit, FinishedOffsets committed) {
        if (before != null && commit != null && before.trusts(FinishedOffsets.tokenOf(commit))) {
            return committed.with(before.finished(), commit.offset());
        }
        return committed;
    }

    private Slot slotOf(TopicPartition partition) {
        Slot slot = slots.get(partition);
        if (slot == null) {
            if (slots.size() == Short.MAX_VALUE) {
                throw new IllegalStateException("the journal " + file + " takes at most " + Short.MAX_VALUE
                        + " partitions; this source reads more: read them with several sources");
            }
            slot = new Slot((short) slots.size(), partition);
            slots.put(partition, slot);
        }
        return slot;
    }

    /** What {@link #resume} found. */
    record Resumed(FinishedOffsets finished, Slot slot) {
    }

    /** Whether the file is half full, or an entry did not fit: time to {@link #roll}. */
    synchronized boolean wantsRoll() {
        return !stopped && (full || position > CAPACITY / 2);
    }

    /**
     * Starts a new generation at the top of the file, with every partition taken on, then writes
     * what each one's progress knows to be finished, and what the last run wrote of those not
     * taken on yet. Appends made meanwhile land in the new generation, after the switch, so
     * nothing finished goes unrecorded.
     */
    void roll(Map<TopicPartition, PartitionProgress> progress) {
        synchronized (this) {
            startGeneration();
        }
        for (Map.Entry<TopicPartition, PartitionProgress> entry : progress.entrySet()) {
            Slot slot;
            synchronized (this) {
                slot = slots.get(entry.getKey());
            }
            if (slot != null) {
                for (long[] range : entry.getValue().finishedRanges()) {
                    synchronized (this) {
                        range(slot, range[0], range[1]);
                    }
                }
            }
        }
    }

    /** Releases the file. Its content stays for the next run; records finished later are not written. */
    @Override
    public synchronized void close() {
        stopped = true;
        try {
            map.force();
        } catch (UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not flush the journal " + file + ": " + e);
        } finally {
            closeQuietly(channel, file); // releases the lock
            OPEN.remove(key);
        }
    }

    /**
     * Starts a generation at the top of the file: its header, every partition, and what the last
     * run wrote of those not taken on yet. The caller holds the lock.
     */
    private void startGeneration() {
        generation = nonZeroRandom();
        generationBytes = ByteBuffer.allocate(8).putLong(generation).array();
        full = false;
        ByteBuffer header = ByteBuffer.allocate(HEADER - 4).putInt(MAGIC).putLong(generation).putLong(runToken);
        crc.reset();
        crc.update(header.array());
        try {
            map.put(0, header.array());
            map.putInt(HEADER - 4, (int) crc.getValue());
        } catch (InternalError e) {
            stop(e);
        }
        position = HEADER;
        for (Slot slot : slots.values()) {
            writePartition(slot);
        }
        for (Map.Entry<TopicPartition, Previous> carried : previous.entrySet()) { // not taken on yet
            for (long[] range : carried.getValue().finished()) {
                range(slots.get(carried.getKey()), range[0], range[1]);
            }
        }
    }

    private void writePartition(Slot slot) {
        byte[] topic = slot.partition.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer entry = ByteBuffer.allocate(1 + 2 + 8 + 8 + 4 + 2 + topic.length).put(PARTITION)
                .putShort(slot.index).putLong(slot.baseToken).putLong(slot.alsoToken).putInt(slot.partition.partition())
                .putShort((short) topic.length).put(topic);
        append(entry);
    }

    private void range(Slot slot, long from, long to) {
        append(ByteBuffer.allocate(1 + 2 + 8 + 8).put(RANGE).putShort(slot.index).putLong(from).putLong(to));
    }

    /** Writes an entry and its CRC, if it fits and the journal still writes; the caller holds the lock. */
    private void append(ByteBuffer entry) {
        byte[] bytes = entry.array();
        if (stopped || full) {
            return;
        }
        if (position + bytes.length + 4 > CAPACITY) {
            full = true; // the poll thread rolls at half; until it does, these records are replayed
            return;
        }
        try {
            map.put(position, bytes);
            map.putInt(position + bytes.length, checksum(crc, generationBytes, bytes));
        } catch (InternalError e) { // a mapped page that cannot be written: the file cut short under it, say
            stop(e);
            return;
        }
        position += bytes.length + 4;
    }

    private void stop(InternalError e) {
        stopped = true;
        LOG.log(System.Logger.Level.WARNING, () -> "the journal " + file + " cannot be written (cut short, or a"
                + " full copy-on-write disk?) and records nothing more: a restart processes again what was"
                + " finished after the last commit: " + e);
    }

    private static int checksum(CRC32C crc, byte[] generation, byte[] bytes) {
        crc.reset();
        crc.update(generation);
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static long nonZeroRandom() {
        long value;
        do {
            value = RANDOM.nextLong();
        } while (value == 0);
        return value;
    }

    /** What the file holds: per partition, the last run's token, its base token and the finished ranges. */
    static Map<TopicPartition, Previous> read(ByteBuffer file) {
        Map<TopicPartition, Previous> found = new HashMap<>();
        ByteBuffer in = file.duplicate();
        if (in.limit() < HEADER || in.getInt(0) != MAGIC) {
            return found; // new, or not a journal: it says nothing
        }
        byte[] header = new byte[HEADER - 4];
        in.get(0, header);
        CRC32C crc = new CRC32C();
        crc.update(header);
        if (in.getInt(HEADER - 4) != (int) crc.getValue()) {
            return found;
        }
        byte[] generation = ByteBuffer.allocate(8).putLong(in.getLong(4)).array();
        long runToken = in.getLong(12);
        Map<Short, TopicPartition> partitions = new HashMap<>();
        Map<TopicPartition, long[]> bases = new HashMap<>();
        Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
        in.position(HEADER);
        try {
            while (true) {
                int start = in.position();
                byte kind = in.get();
                short slot = in.getShort();
                long first = in.getLong();
                TopicPartition partition = partitions.get(slot);
                long[] finished = null;
                long also = 0;
                if (kind == PARTITION) {
                    also = in.getLong();
                    int number = in.getInt();
                    byte[] topic = new byte[in.getShort()];
                    in.get(topic);
                    partition = new TopicPartition(new String(topic, StandardCharsets.UTF_8), number);
                } else if (kind == DONE) {
                    finished = new long[] {first, first + 1};
                } else if (kind == RANGE) {
                    finished = new long[] {first, in.getLong()};
                } else {
                    break;
                }
                byte[] bytes = new byte[in.position() - start];
                in.get(start, bytes);
                if (in.getInt() != checksum(crc, generation, bytes) || partition == null) {
                    break; // a torn or stale entry: the journal ends before it
                }
                if (kind == PARTITION) { // taken on (again): what came before for it no longer counts
                    partitions.put(slot, partition);
                    bases.put(partition, new long[] {first, also});
                    ranges.put(partition, new ArrayList<>());
                } else {
                    ranges.get(partition).add(finished);
                }
            }
        } catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            // the end of the file: the journal ends here
        }
        for (Map.Entry<TopicPartition, List<long[]>> entry : ranges.entrySet()) {
            long[] tokens = bases.get(entry.getKey());
            found.put(entry.getKey(), new Previous(runToken, tokens[0], tokens[1], entry.getValue()));
        }
        return found;
    }
}
