package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Steps#window} by event time, on virtual time: orders "customer,amount,second" (the event
 * time, in seconds since the epoch) summed per customer.
 */
class EventTimeWindowStepTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final EventTime<String> IN_ORDER = EventTime.of((String order) -> 1_000L * field(order, 2))
            .idleAfter(Duration.ofSeconds(10));

    private final InMemorySource<String> source = InMemorySource.manual();
    private final CollectingSink<Windowed<String, Integer>> sink = new CollectingSink<>();
    private final CollectingSink<DeadLetter> deadLetters = new CollectingSink<>();
    private Pipeline pipeline;
    private VirtualTime time;

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private void start(AbstractStep<String, Windowed<String, Integer>> step) {
        source.subscribe(step);
        step.subscribe(sink);
        pipeline = Pipeline.from(source);
        time = VirtualTime.of(pipeline);
        pipeline.start();
    }

    private void start(EventTime<String> eventTime, Window window) {
        start(sumPerCustomer(eventTime, window));
    }

    private static AbstractStep<String, Windowed<String, Integer>> sumPerCustomer(EventTime<String> eventTime,
            Window window) {
        return Steps.window(order -> order.split(",")[0], eventTime, window,
                Collectors.summingInt(order -> field(order, 1)));
    }

    private static int field(String order, int index) {
        return Integer.parseInt(order.split(",")[index]);
    }

    private static Windowed<String, Integer> windowed(String key, int sum, int startSecond, int endSecond, long count) {
        return new Windowed<>(key, sum, Instant.ofEpochSecond(startSecond), Instant.ofEpochSecond(endSecond), count);
    }

    /** Lets the pipeline take what was pushed, without moving time. */
    private List<Windowed<String, Integer>> settled() {
        time.advance(Duration.ZERO);
        return sink.items();
    }

    @Test
    void aTumblingWindowIsEmittedOnceTheWatermarkReachesItsEnd() throws Exception {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.push("alice,5,1").push("bob,2,3").push("alice,7,9");
        assertEquals(List.of(), settled());

        source.push("alice,1,10");

        assertEquals(List.of(windowed("alice", 12, 0, 10, 2), windowed("bob", 2, 0, 10, 1)), settled());
        source.complete();
        pipeline.await(TIMEOUT);
        assertEquals(windowed("alice", 1, 10, 20, 1), sink.items().get(2));
        assertEquals(List.of("alice,5,1", "bob,2,3", "alice,7,9", "alice,1,10"),
                source.awaitAllAcknowledged(TIMEOUT).stream().sorted(
                        (a, b) -> Integer.compare(field(a, 2), field(b, 2))).collect(Collectors.toList()));
    }

    @Test
    void anItemOutOfOrderWithinTheBoundCountsInItsWindow() {
        start(IN_ORDER.maxOutOfOrder(Duration.ofSeconds(5)), Window.ofTime(Duration.ofSeconds(10)));
        source.push("alice,1,1").push("alice,10,12").push("alice,100,8"); // the watermark is at 7 s

        assertEquals(List.of(), settled());

        source.push("alice,1000,16"); // the watermark passes 10 s

        assertEquals(List.of(windowed("alice", 101, 0, 10, 2)), settled());
    }

    @Test
    void aLateItemGoesToTheErrorPolicySayingHowLateItWas() {
        start(sumPerCustomer(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)))
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)));
        source.push("alice,1,1").push("alice,2,15").push("alice,4,3").push("alice,8,16");

        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), settled());

        DeadLetter late = deadLetters.awaitCount(1, TIMEOUT).get(0);
        assertEquals("alice,4,3", late.item());
        LateEventException error = assertInstanceOf(LateEventException.class, late.error());
        assertEquals(Duration.ofSeconds(5), error.lateness());
        assertEquals(Instant.ofEpochSecond(3), error.eventTime());
        assertEquals(Instant.ofEpochSecond(15), error.watermark());
        assertTrue(error.getMessage().contains("EventTime.maxOutOfOrder"), error.getMessage());
    }

    @Test
    void byDefaultALateItemFailsThePipelineNamingIt() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.push("alice,1,1").push("alice,2,15").push("alice,4,3");

        var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

        assertTrue(failure.getMessage().contains("\"alice,4,3\""), failure.getMessage());
        assertInstanceOf(LateEventException.class, failure.getCause());
    }

    @Test
    void allowedLatenessKeepsTheWindowOpenForLateItems() {
        start(IN_ORDER.allowedLateness(Duration.ofSeconds(10)), Window.ofTime(Duration.ofSeconds(10)));
        source.push("alice,1,1").push("alice,2,15").push("alice,4,3");
        assertEquals(List.of(), settled());

        source.push("alice,8,20");

        assertEquals(List.of(windowed("alice", 5, 0, 10, 2)), settled());
    }

    @Test
    void aPartitionThatRunsAheadDoesNotCloseTheWindowsOfOneThatLags() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.push("p0", "alice,1,1").push("p1", "alice,2,2").push("p0", "alice,4,30");
        assertEquals(List.of(), settled());

        source.push("p1", "alice,8,9");
        assertEquals(List.of(), settled());

        source.push("p1", "alice,16,12");

        assertEquals(List.of(windowed("alice", 11, 0, 10, 3)), settled());
    }

    @Test
    void anAnnouncedPartitionNotYetHeardFromHoldsTheWatermarkUntilItIsIdle() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.announcePartitions("p0", "p1");
        source.push("p0", "alice,1,1");
        time.advance(Duration.ofSeconds(6));
        source.push("p0", "alice,2,25");

        time.advance(Duration.ofMillis(3_999));
        assertEquals(List.of(), sink.items());

        time.advance(Duration.ofMillis(1)); // p1 is idle, p0 is not: the watermark is p0's, 25 s

        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), sink.items());
    }

    @Test
    void aPartitionRevokedAndAssignedAgainCountsItsItemsOnceWhenTheyAreReadAgain() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.announcePartitions("p0");
        source.push("p0", "alice,1,1").push("p0", "alice,2,2");
        assertEquals(List.of(), settled());

        source.announcePartitions().announcePartitions("p0"); // an eager rebalance gives p0 straight back
        source.push("p0", "alice,1,1").push("p0", "alice,2,2").push("p0", "alice,4,12"); // read again from the commit

        assertEquals(List.of(windowed("alice", 3, 0, 10, 2)), settled());
        assertEquals(List.of("alice,1,1", "alice,2,2"), source.deliveryFailures());
    }

    @Test
    void itemsReadAgainAfterTheirPartitionCameBackAreNotLateThoughTheirWindowWasEmitted() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.announcePartitions("p0");
        source.push("p0", "alice,1,1").push("p0", "alice,2,12");
        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), settled());

        source.announcePartitions().announcePartitions("p0");
        source.push("p0", "alice,1,1").push("p0", "alice,2,12").push("p0", "alice,4,25");

        // computed again, as a new owner of p0 would: what a sink wrote first for it stays
        assertEquals(List.of(windowed("alice", 1, 0, 10, 1), windowed("alice", 1, 0, 10, 1),
                windowed("alice", 2, 10, 20, 1)), settled());
        assertEquals(Pipeline.State.RUNNING, pipeline.state());
    }

    /** A regression: judged by its own partition's clock alone, an item read again was late the second time. */
    @Test
    void anItemReadAgainIsNotLateWhereAnotherPartitionHeldTheWatermarkTheFirstTime() {
        start(sumPerCustomer(IN_ORDER.maxOutOfOrder(Duration.ofSeconds(1)), Window.ofTime(Duration.ofSeconds(10)))
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)));
        source.announcePartitions("p0", "p1");
        source.push("p1", "bob,1,93").push("p0", "alice,1,91").push("p0", "alice,2,103").push("p0", "alice,4,95");
        source.push("p1", "bob,8,104");
        assertEquals(List.of(windowed("bob", 1, 90, 100, 1), windowed("alice", 5, 90, 100, 2)), settled());

        source.announcePartitions().announcePartitions("p0", "p1"); // both read again from the last commit
        source.push("p0", "alice,1,91").push("p0", "alice,2,103").push("p0", "alice,4,95");
        source.push("p1", "bob,1,93").push("p1", "bob,8,104");

        assertEquals(List.of(windowed("bob", 1, 90, 100, 1), windowed("alice", 5, 90, 100, 2),
                windowed("alice", 5, 90, 100, 2), windowed("bob", 1, 90, 100, 1)), settled());
        assertEquals(List.of(), deadLetters.items());
    }

    @Test
    void aPartitionAssignedMidRunIsNotLateForItsOlderItemsWhileTheOthersStillAre() {
        start(sumPerCustomer(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)))
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)));
        source.announcePartitions("p0");
        source.push("p0", "alice,1,1").push("p0", "alice,2,30");
        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), settled());

        source.announcePartitions("p0", "p1"); // taken over from another instance, read from its last commit
        source.push("p1", "bob,5,3").push("p0", "alice,4,5");
        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), settled());

        source.push("p1", "bob,6,31");

        assertEquals(List.of(windowed("alice", 1, 0, 10, 1), windowed("bob", 5, 0, 10, 1)), settled());
        assertEquals("alice,4,5", deadLetters.awaitCount(1, TIMEOUT).get(0).item());
    }

    @Test
    void aWindowOfItemsFromARevokedPartitionAndFromOneStillReadFailsThePipelineSayingWhy() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.announcePartitions("p0", "p1");
        source.push("p0", "alice,1,1").push("p1", "alice,2,2");
        assertEquals(List.of(), settled());
        source.announcePartitions("p1").push("p1", "alice,4,3");

        var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

        assertTrue(failure.getMessage().contains("partitions assigned together"), failure.getMessage());
        assertEquals(List.of(), sink.items());
    }

    @Test
    void whenEveryInputIsIdleTheLastWindowClosesWithoutNewEvents() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.push("alice,1,1").push("alice,2,3");

        time.advance(Duration.ofMillis(9_999));
        assertEquals(List.of(), sink.items());

        time.advance(Duration.ofMillis(1)); // idle: event time moves on with the clock, from 3 s to 13 s

        assertEquals(List.of(windowed("alice", 3, 0, 10, 1 + 1)), sink.items());
    }

    @Test
    void hoppingWindowsOverlapAndCloseInTheOrderOfTheirEnds() throws Exception {
        start(IN_ORDER, Window.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5)));
        source.push("alice,1,2").push("alice,10,7").push("alice,100,12").complete();

        pipeline.await(TIMEOUT);

        assertEquals(List.of(windowed("alice", 1, -5, 5, 1), windowed("alice", 11, 0, 10, 2),
                windowed("alice", 110, 5, 15, 2), windowed("alice", 100, 10, 20, 1)), sink.items());
        assertEquals(3, source.awaitAllAcknowledged(TIMEOUT).size());
    }

    @Test
    void anItemBetweenTwoSessionsJoinsThemIntoOne() throws Exception {
        start(IN_ORDER.maxOutOfOrder(Duration.ofSeconds(10)), Window.session(Duration.ofSeconds(5)));
        source.push("alice,1,1").push("alice,10,9").push("bob,7,2");
        source.push("alice,100,5"); // reaches the session [1 s, 6 s) and the session [9 s, 14 s)
        source.push("alice,1000,30").complete();

        pipeline.await(TIMEOUT);

        assertEquals(List.of(windowed("bob", 7, 2, 7, 1), windowed("alice", 111, 1, 14, 3),
                windowed("alice", 1000, 30, 35, 1)), sink.items());
    }

    @Test
    void aSessionClosesWhenTheWatermarkPassesItsLastItemPlusTheGap() {
        start(IN_ORDER, Window.session(Duration.ofSeconds(5)));
        source.push("alice,1,1").push("alice,2,4").push("bob,1,8");
        assertEquals(List.of(), settled());

        source.push("bob,1,9");

        assertEquals(List.of(windowed("alice", 3, 1, 9, 2)), settled());
    }

    @Test
    void theSameEventsInAnotherArrivalOrderMakeTheSameWindows() throws Exception {
        List<String> events = new ArrayList<>();
        for (int second = 0; second < 200; second++) {
            events.add("k" + second % 7 + "," + second + "," + second);
        }
        List<Windowed<String, Integer>> first = windowsOf(events);
        Random random = new Random(42);
        for (int i = 0; i + 3 < events.size(); i += 4) {
            Collections.shuffle(events.subList(i, i + 4), random); // out of order by less than 4 s
        }

        List<Windowed<String, Integer>> replayed = windowsOf(events);

        assertEquals(sortedByKeyAndStart(first), sortedByKeyAndStart(replayed));
        assertEquals(200, first.stream().mapToLong(Windowed::count).sum());
    }

    private static List<Windowed<String, Integer>> windowsOf(List<String> events) throws Exception {
        var input = InMemorySource.from(events);
        var step = sumPerCustomer(IN_ORDER.maxOutOfOrder(Duration.ofSeconds(4)), Window.ofTime(Duration.ofSeconds(10)));
        var output = new CollectingSink<Windowed<String, Integer>>();
        input.subscribe(step);
        step.subscribe(output);
        try (Pipeline run = Pipeline.from(input)) {
            run.start();
            run.await(TIMEOUT);
        }
        return output.items();
    }

    private static List<Windowed<String, Integer>> sortedByKeyAndStart(List<Windowed<String, Integer>> windows) {
        return windows.stream().sorted((a, b) -> a.key().equals(b.key()) ? a.start().compareTo(b.start())
                : a.key().compareTo(b.key())).collect(Collectors.toList());
    }

    @Test
    void onAStopAnOpenWindowIsNotEmittedButFailedBackToTheSourceToBeReadAgain() throws Exception {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)));
        source.push("alice,1,1").push("alice,2,12").push("alice,4,13");
        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), settled());

        pipeline.stop();
        pipeline.await(TIMEOUT);

        assertEquals(List.of(windowed("alice", 1, 0, 10, 1)), sink.items());
        assertEquals(List.of("alice,1,1"), source.acknowledged());
        assertEquals(List.of("alice,2,12", "alice,4,13"), source.deliveryFailures());
    }

    /** A regression: the item was added to its first windows before the bound refused it. */
    @Test
    void aHoppingItemRefusedForWantOfRoomCountsInNoneOfItsWindows() throws Exception {
        start(sumPerCustomer(IN_ORDER, Window.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5)).maxKeys(3))
                .withErrorPolicy(ErrorPolicy.skip()));
        source.push("a,1,2").push("b,10,3").push("a,100,4").complete(); // b would need two more windows than fit

        pipeline.await(TIMEOUT);

        assertEquals(List.of(windowed("a", 101, -5, 5, 2), windowed("a", 101, 0, 10, 2)), sink.items());
    }

    /** A regression: making room closed the key's other session and left the new one unreachable. */
    @Test
    void aSessionOpenedByEmittingTheKeysOtherSessionEarlyIsEmittedToo() throws Exception {
        start(IN_ORDER.maxOutOfOrder(Duration.ofMinutes(1)), Window.session(Duration.ofSeconds(5)).maxKeys(1)
                .emitEarlyWhenFull());
        source.push("a,1,1").push("a,2,20").push("a,4,22").complete();

        pipeline.await(TIMEOUT);

        assertEquals(List.of(windowed("a", 1, 1, 6, 1), windowed("a", 6, 20, 27, 2)), sink.items());
    }

    @Test
    void hoppingAndSessionWindowsNeedEventTime() {
        var hopping = assertThrows(IllegalArgumentException.class, () -> Steps.window(String::length,
                Window.hopping(Duration.ofSeconds(10), Duration.ofSeconds(5)), Collectors.counting()));
        assertTrue(hopping.getMessage().contains("needs event time"), hopping.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Steps.window(String::length,
                Window.session(Duration.ofSeconds(10)), Collectors.counting()));
        var byCount = assertThrows(IllegalArgumentException.class, () -> Steps.window(String::length,
                EventTime.of(String::length), Window.ofCount(3), Collectors.counting()));
        assertTrue(byCount.getMessage().contains("counts items"), byCount.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Window.hopping(Duration.ofSeconds(1), Duration.ofSeconds(2)));
    }

    @Test
    void tooManyOpenWindowsFailTheItemNamingTheBound() {
        start(IN_ORDER, Window.ofTime(Duration.ofSeconds(10)).maxKeys(2));
        source.push("a,1,1").push("b,1,1").push("c,1,1");

        var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

        assertTrue(failure.getMessage().contains("cannot open a window for key \"c\": 2 windows are open"),
                failure.getMessage());
    }
}
