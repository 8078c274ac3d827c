package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** The map of records finished beyond a committed offset, as written into the commit's metadata. */
class FinishedOffsetsTest {

    private static FinishedOffsets roundTrip(long committed, long... runs) {
        FinishedOffsets.Encoded encoded = FinishedOffsets.encode(runs, runs.length);
        return FinishedOffsets.decode(new OffsetAndMetadata(committed, encoded.metadata()));
    }

    private static List<Long> finished(FinishedOffsets map, long from, long to) {
        List<Long> offsets = new ArrayList<>();
        LongStream.range(from, to).filter(map::contains).forEach(offsets::add);
        return offsets;
    }

    @Test
    void runsOfFinishedRecordsComeBackAsWritten() {
        // committed 100: 100-101 unfinished, 102-104 finished, 105 unfinished, 106 finished
        FinishedOffsets map = roundTrip(100, 2, 3, 1, 1);

        assertEquals(List.of(102L, 103L, 104L, 106L), finished(map, 90, 120));
        assertEquals(4, map.count());
        assertEquals(107, map.end());
    }

    @Test
    void longRunsAreWrittenAsRunsAndScatteredOnesAsABitset() {
        String runs = FinishedOffsets.encode(new long[] {1, 1_000_000}, 2).metadata();
        long[] scattered = new long[400];
        java.util.Arrays.fill(scattered, 1);
        String bits = FinishedOffsets.encode(scattered, scattered.length).metadata();

        assertTrue(runs.startsWith("ns1r") && runs.length() < 12, runs);
        assertTrue(bits.startsWith("ns1b") && bits.length() < 80, bits);
        FinishedOffsets fromBits = FinishedOffsets.decode(new OffsetAndMetadata(0, bits));
        assertEquals(200, fromBits.count());
        assertTrue(fromBits.contains(1) && !fromBits.contains(2) && fromBits.contains(399) && !fromBits.contains(400));
    }

    @Test
    void aMapTooLongForTheMetadataIsCutAfterTheRunsThatFitAndSaysItIsCrowded() {
        long[] runs = new long[20_000];
        for (int i = 0; i < runs.length; i++) {
            runs[i] = i % 2 == 0 ? 1_000 : 1; // one finished record in a thousand: neither form fits
        }

        FinishedOffsets.Encoded encoded = FinishedOffsets.encode(runs, runs.length);

        assertTrue(encoded.metadata().length() <= FinishedOffsets.MAX_CHARS, "" + encoded.metadata().length());
        assertTrue(encoded.crowded());
        FinishedOffsets map = FinishedOffsets.decode(new OffsetAndMetadata(0, encoded.metadata()));
        assertEquals(994, map.count()); // 994 pairs of a 2-byte and a 1-byte varint fill the 2 982 bytes
        String withToken = FinishedOffsets.withToken(encoded.metadata(), FinishedOffsets.token(-1L));
        assertTrue(withToken.length() <= 4_000, "under the broker's 4 096 with a run's token: " + withToken.length());
        assertTrue(map.contains(1_000) && !map.contains(1_001) && map.contains(2_001));
    }

    @Test
    void aRunsTokenAfterTheMapLeavesTheMapAsItWasAndComesBack() {
        long token = 0x0123456789ABCDEFL;
        String map = FinishedOffsets.encode(new long[] {2, 3, 1, 1}, 4).metadata();
        OffsetAndMetadata commit = new OffsetAndMetadata(100, FinishedOffsets.withToken(map, FinishedOffsets.token(token)));

        assertEquals(List.of(102L, 103L, 104L, 106L), finished(FinishedOffsets.decode(commit), 90, 120));
        assertEquals(token, FinishedOffsets.tokenOf(commit));
        assertEquals(token, FinishedOffsets.tokenOf(new OffsetAndMetadata(7, FinishedOffsets.withToken("", FinishedOffsets.token(token)))));
        assertEquals(0, FinishedOffsets.tokenOf(new OffsetAndMetadata(100, map)), "a commit without a token");
        assertEquals(0, FinishedOffsets.tokenOf(new OffsetAndMetadata(100, "someone's~note")), "not a token of ours");
        assertEquals(0, FinishedOffsets.tokenOf(null));
    }

    @Test
    void withJoinsOverlappingAndAdjacentRangesFromAnOffsetOn() {
        FinishedOffsets map = roundTrip(100, 2, 3, 1, 1); // 102-104, 106

        FinishedOffsets joined = map.with(List.of(new long[] {105, 106}, new long[] {90, 101}, new long[] {110, 111}), 100);

        assertEquals(List.of(100L, 102L, 103L, 104L, 105L, 106L, 110L), finished(joined, 80, 120));
        assertEquals(3, joined.rangesFrom(0).size(), "102-104, 105 and 106 are one range");
    }

    @Test
    void aSmallMapIsNotCrowded() {
        assertFalse(FinishedOffsets.encode(new long[] {1, 5, 3, 7}, 4).crowded());
    }

    @Test
    void metadataThatIsNotOursSkipsNothing() {
        assertSame(FinishedOffsets.NONE, FinishedOffsets.decode(null));
        assertSame(FinishedOffsets.NONE, FinishedOffsets.decode(new OffsetAndMetadata(5)));
        assertSame(FinishedOffsets.NONE, FinishedOffsets.decode(new OffsetAndMetadata(5, "written by another tool")));
        assertSame(FinishedOffsets.NONE, FinishedOffsets.decode(new OffsetAndMetadata(5, "ns1r!!not base64")));
        assertSame(FinishedOffsets.NONE, FinishedOffsets.decode(new OffsetAndMetadata(5, "ns1r" + "gA"))); // cut varint
        assertEquals("", FinishedOffsets.encode(new long[] {3}, 1).metadata());
    }
}
