package io.nanostream.kafka;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * The records of a partition already processed beyond its committed offset, carried in the
 * commit's metadata string so that the partition's next reader skips them instead of processing
 * them again.
 *
 * <p>Format: {@code "ns1r"} or {@code "ns1b"}, then URL-safe Base64 without padding of, for
 * {@code r}, the lengths of alternating runs of offsets from the committed one, unfinished first
 * (unsigned LEB128 varints; a trailing unfinished run is left out), or, for {@code b}, a bitset
 * with bit i (little-endian within each byte) set when committed + i is finished. Whichever is
 * shorter is written. At most {@link #MAX_CHARS} characters are written, under the broker's
 * default {@code offset.metadata.max.bytes} of 4 096: a map that would not fit is cut after the
 * runs that fit, which costs only replays, never records.
 */
final class FinishedOffsets {

    /** The longest map written, leaving room for a run token ({@link #withToken}) under 4 000 characters. */
    static final int MAX_CHARS = 3_980;
    /** A map longer than this (in characters) is crowded: its partition's intake is held back. */
    static final int CROWDED_CHARS = MAX_CHARS / 2;
    static final FinishedOffsets NONE = new FinishedOffsets(new TreeMap<>());

    /** Between a map and the token of the run that committed it, when the run keeps a {@link FinishedJournal}. */
    private static final char TOKEN = '~';
    private static final String RUNS = "ns1r";
    private static final String BITS = "ns1b";
    /** The most bytes that fit in {@link #MAX_CHARS} characters of Base64 after a prefix. */
    private static final int MAX_BYTES = (MAX_CHARS - RUNS.length()) / 4 * 3;

    /** Finished ranges, from (inclusive) to (exclusive), by their start. */
    private final TreeMap<Long, Long> ranges;

    private FinishedOffsets(TreeMap<Long, Long> ranges) {
        this.ranges = ranges;
    }

    /** A map written by {@link #encode}, and whether it is crowded. */
    record Encoded(String metadata, boolean crowded) {
    }

    /**
     * Encodes runs of offsets from a committed offset: {@code runs[0]} unfinished, then
     * finished, unfinished, and so on; the first {@code count} are used.
     */
    static Encoded encode(long[] runs, int count) {
        if (count < 2) {
            return new Encoded("", false);
        }
        ByteArrayOutputStream varints = new ByteArrayOutputStream();
        int fitting = 0; // whole (unfinished, finished) pairs within MAX_BYTES
        for (int i = 0; i + 1 < count; i += 2) {
            writeVarint(varints, runs[i]);
            writeVarint(varints, runs[i + 1]);
            if (varints.size() <= MAX_BYTES) {
                fitting = varints.size();
            }
        }
        long span = 0;
        for (int i = 0; i < count; i++) {
            span += runs[i];
        }
        long bitsetBytes = (span + 7) / 8;
        boolean crowded = (Math.min(varints.size(), bitsetBytes) + 2) / 3 * 4 + RUNS.length() > CROWDED_CHARS;
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        if (bitsetBytes < varints.size() && bitsetBytes <= MAX_BYTES) {
            return new Encoded(BITS + base64.encodeToString(bitset(runs, count, (int) bitsetBytes)), crowded);
        }
        byte[] bytes = varints.toByteArray();
        if (fitting < bytes.length) { // cut after the pairs that fit
            bytes = java.util.Arrays.copyOf(bytes, fitting);
        }
        return new Encoded(fitting == 0 ? "" : RUNS + base64.encodeToString(bytes), crowded);
    }

    /**
     * Reads the finished offsets of a commit; none if there is no commit or its metadata is not
     * one of ours (written by another tool, say).
     */
    static FinishedOffsets decode(OffsetAndMetadata commit) {
        if (commit == null || commit.metadata() == null) {
            return NONE;
        }
        String metadata = commit.metadata();
        int token = metadata.lastIndexOf(TOKEN);
        if (token >= 0) {
            metadata = metadata.substring(0, token);
        }
        try {
            if (metadata.startsWith(RUNS)) {
                return fromRuns(commit.offset(), Base64.getUrlDecoder().decode(metadata.substring(RUNS.length())));
            }
            if (metadata.startsWith(BITS)) {
                return fromBits(commit.offset(), Base64.getUrlDecoder().decode(metadata.substring(BITS.length())));
            }
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            return NONE; // not ours after all: nothing is skipped, which is always safe
        }
        return NONE;
    }

    /** The metadata of a commit made by the run with this token: the map, then the token. */
    static String withToken(String metadata, String token) {
        return token == null ? metadata : metadata + TOKEN + token;
    }

    /** A run token as it appears in metadata. */
    static String token(long token) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(8).putLong(token).array());
    }

    /** The token of the run that made a commit, or 0 if there is none or none of ours. */
    static long tokenOf(OffsetAndMetadata commit) {
        if (commit == null || commit.metadata() == null) {
            return 0;
        }
        String metadata = commit.metadata();
        int at = metadata.lastIndexOf(TOKEN);
        if (at < 0) {
            return 0;
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(metadata.substring(at + 1));
            return bytes.length == 8 ? ByteBuffer.wrap(bytes).getLong() : 0;
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /** These finished records and {@code more}, from {@code from} on: ranges in any order, overlapping or not. */
    FinishedOffsets with(List<long[]> more, long from) {
        List<long[]> all = new ArrayList<>(more);
        for (Map.Entry<Long, Long> range : ranges.entrySet()) {
            all.add(new long[] {range.getKey(), range.getValue()});
        }
        all.sort(java.util.Comparator.comparingLong(range -> range[0]));
        TreeMap<Long, Long> merged = new TreeMap<>();
        long start = 0;
        long end = Long.MIN_VALUE;
        for (long[] range : all) {
            long first = Math.max(from, range[0]);
            if (first >= range[1]) {
                continue;
            }
            if (first > end) {
                if (end != Long.MIN_VALUE) {
                    merged.put(start, end);
                }
                start = first;
            }
            end = Math.max(end, range[1]);
        }
        if (end != Long.MIN_VALUE) {
            merged.put(start, end);
        }
        return new FinishedOffsets(merged);
    }

    /** Whether the record at {@code offset} was finished. */
    boolean contains(long offset) {
        Map.Entry<Long, Long> range = ranges.floorEntry(offset);
        return range != null && offset < range.getValue();
    }

    /** How many offsets are known finished. */
    long count() {
        long count = 0;
        for (Map.Entry<Long, Long> range : ranges.entrySet()) {
            count += range.getValue() - range.getKey();
        }
        return count;
    }

    /**
     * The finished ranges from {@code from} on, as [start, end) pairs in offset order, cut to
     * begin at {@code from} at the earliest.
     */
    List<long[]> rangesFrom(long from) {
        List<long[]> after = new ArrayList<>();
        Map.Entry<Long, Long> first = ranges.floorEntry(from);
        for (Map.Entry<Long, Long> range : (first != null ? ranges.tailMap(first.getKey(), true) : ranges).entrySet()) {
            if (range.getValue() > from) {
                after.add(new long[] {Math.max(from, range.getKey()), range.getValue()});
            }
        }
        return after;
    }

    /** The offset after the last one known finished; the map says nothing from there on. */
    long end() {
        return ranges.isEmpty() ? Long.MIN_VALUE : ranges.lastEntry().getValue();
    }

    private static FinishedOffsets fromRuns(long base, byte[] bytes) {
        TreeMap<Long, Long> ranges = new TreeMap<>();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long offset = base;
        while (buffer.hasRemaining()) {
            offset += readVarint(buffer);
            long finished = readVarint(buffer);
            if (finished > 0) {
                ranges.put(offset, offset + finished);
            }
            offset += finished;
        }
        return new FinishedOffsets(ranges);
    }

    private static FinishedOffsets fromBits(long base, byte[] bytes) {
        TreeMap<Long, Long> ranges = new TreeMap<>();
        long start = -1;
        for (int i = 0; i < bytes.length * 8; i++) {
            boolean finished = (bytes[i / 8] & (1 << (i % 8))) != 0;
            if (finished && start < 0) {
                start = base + i;
            } else if (!finished && start >= 0) {
                ranges.put(start, base + i);
                start = -1;
            }
        }
        if (start >= 0) {
            ranges.put(start, base + bytes.length * 8L);
        }
        return new FinishedOffsets(ranges);
    }

    private static byte[] bitset(long[] runs, int count, int size) {
        byte[] bits = new byte[size];
        long position = 0;
        for (int i = 0; i < count; i++) {
            if (i % 2 == 1) {
                for (long bit = position; bit < position + runs[i]; bit++) {
                    bits[(int) (bit / 8)] |= (byte) (1 << (bit % 8));
                }
            }
            position += runs[i];
        }
        return bits;
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            out.write((int) ((rest & 0x7F) | 0x80));
            rest >>>= 7;
        }
        out.write((int) rest);
    }

    private static long readVarint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("a run length longer than 64 bits");
    }
}
