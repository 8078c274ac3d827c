package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ring of lineages behind a link: order, closing, and every entry taken exactly once. */
class LineageQueueTest {

    @Test
    void entriesComeOutInOrderAndTheRingWrapsAround() {
        var queue = new LineageQueue(4);
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            assertTrue(queue.add(i, out::add));
            assertTrue(queue.add(-i, out::add));
            out.add(queue.poll());
            out.add(queue.poll());
        }
        assertNull(queue.poll());
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            expected.add(i);
            expected.add(-i);
        }
        assertEquals(expected, out);
    }

    @Test
    void closingDrainsWhatIsLeftAndRefusesMore() {
        var queue = new LineageQueue(8);
        queue.add("a", x -> { });
        queue.add("b", x -> { });
        List<Object> drained = new ArrayList<>();

        queue.close(drained::add);

        assertEquals(List.of("a", "b"), drained);
        assertFalse(queue.add("c", drained::add));
        assertEquals(List.of("a", "b"), drained);
        assertNull(queue.poll());
    }

    @Test
    void aCloseRacingAddsAndPollsLeavesNoEntryBehindAndTakesNoneTwice() throws Exception {
        for (int round = 0; round < 200; round++) {
            var queue = new LineageQueue(64);
            var taken = new ConcurrentLinkedQueue<Object>();
            var start = new CountDownLatch(1);
            int[] added = new int[1];
            Thread adder = new Thread(() -> {
                await(start);
                for (int i = 0; i < 10_000; i++) {
                    if (!queue.add(i, taken::add)) {
                        return; // closed: refused, or added and drained at once
                    }
                    added[0]++;
                    if (i % 16 == 15) { // stay within the ring, as a bounded buffer would
                        for (Object entry = queue.poll(); entry != null; entry = queue.poll()) {
                            taken.add(entry);
                        }
                    }
                }
            });
            Thread poller = new Thread(() -> {
                await(start);
                for (int i = 0; i < 5_000; i++) {
                    Object entry = queue.poll();
                    if (entry != null) {
                        taken.add(entry);
                    }
                }
            });
            adder.start();
            poller.start();
            start.countDown();
            queue.close(taken::add);
            adder.join(TimeUnit.SECONDS.toMillis(10));
            poller.join(TimeUnit.SECONDS.toMillis(10));

            List<Object> sorted = new ArrayList<>(taken);
            sorted.sort((a, b) -> Integer.compare((Integer) a, (Integer) b));
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < sorted.size(); i++) {
                expected.add(i);
            }
            assertEquals(expected, sorted, "round " + round + ": each entry taken once, none lost");
            assertTrue(sorted.size() == added[0] || sorted.size() == added[0] + 1,
                    "round " + round + ": " + sorted.size() + " taken of " + added[0] + " added");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
