package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.DeadLetter;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Held;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.kafka.InMemoryKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KafkaSource} on {@link InMemoryKafka}: commit positions, pause and resume, rebalance, bad records. */
class KafkaSourceTest {

    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final InMemoryKafka kafka = new InMemoryKafka();

    private static String[] values(int from, int to) {
        return IntStream.range(from, to).mapToObj(String::valueOf).toArray(String[]::new);
    }

    /** A sink that holds each record until the test releases it by value. */
    static final class HoldingSink extends AbstractSink<String> {
        final Map<String, Held> held = new ConcurrentHashMap<>();
        final List<String> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        protected void consume(String value) {
            arrivals.add(value);
            held.put(value, holdInput());
        }

        void release(String value) {
            Await.until(() -> held.containsKey(value), TIMEOUT, () -> value + " to arrive");
            held.remove(value).release();
        }
    }

    /** Builds and starts source → step → a holding sink, the source reading "orders" and committing after each record. */
    private Pipeline startHolding(AbstractStep<KafkaRecord<String, String>, String> step, HoldingSink sink) {
        return startHolding(kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").build(), step, sink);
    }

    /** A source of "orders" that commits after this many records or this much time. */
    private KafkaSource<String, String> ordersCommittingEvery(int records, Duration interval) {
        return KafkaSource.builder(Map.of("group.id", "orders"), new StringDeserializer(), new StringDeserializer())
                .topics("orders")
                .commitEvery(records, interval)
                .consumerFactory(kafka.consumerFactory())
                .build();
    }

    /** Starts source → step → a holding sink. */
    private Pipeline startHolding(KafkaSource<String, String> source,
            AbstractStep<KafkaRecord<String, String>, String> step, HoldingSink sink) {
        source.subscribe(step);
        step.subscribe(sink);
        Pipeline pipeline = Pipeline.from(source);
        pipeline.start();
        return pipeline;
    }

    @Test
    void commitsEveryRecordAFilterDropped() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").build();
        AbstractStep<KafkaRecord<String, String>, String> even = Steps.map(KafkaRecord::value);
        AbstractStep<String, String> filter = Steps.filter(v -> Integer.parseInt(v) % 2 == 0);
        var sink = new CollectingSink<String>();
        source.subscribe(even);
        even.subscribe(filter);
        filter.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 10));

            kafka.awaitCommitted(ORDERS_0, 10, TIMEOUT);

            assertEquals(List.of("0", "2", "4", "6", "8"), sink.items());
        }
    }

    /** The pipeline's clock, as a test drives it: it moves only when told. */
    private static final class SteppedClock implements io.nanostream.flow.Scheduler {
        final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.ScheduledExecutorService timers =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

        @Override
        public long nanoTime() {
            return nanos.get();
        }

        @Override
        public java.time.Instant now() {
            return java.time.Instant.ofEpochSecond(0, nanos.get());
        }

        @Override
        public Task schedule(Duration delay, Runnable task) {
            var scheduled = timers.schedule(task, Math.max(0, delay.toNanos()), java.util.concurrent.TimeUnit.NANOSECONDS);
            return () -> scheduled.cancel(false);
        }

        @Override
        public void sleep(Duration duration) {
            throw new UnsupportedOperationException("the source under test does not sleep");
        }
    }

    @Test
    void withStopAtEndTheSourceReadsEachPartitionToItsEndAtTheAssignmentCommitsAndEnds() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").stopAtEnd().build();
        AbstractStep<KafkaRecord<String, String>, String> values = Steps.map(KafkaRecord::value);
        var sink = new CollectingSink<String>();
        source.subscribe(values);
        values.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.add(ORDERS_0, values(0, 3)).add(ORDERS_1, values(3, 5)); // before the assignment
            kafka.assign(ORDERS_0, ORDERS_1);

            pipeline.await(TIMEOUT); // ends by itself

            assertEquals(Set.of("0", "1", "2", "3", "4"), Set.copyOf(sink.items()));
            assertEquals(3, kafka.committed(ORDERS_0));
            assertEquals(2, kafka.committed(ORDERS_1));
            assertTrue(kafka.isClosed());
        }
    }

    @Test
    void itsPipelineIsNotReadyWhileTheSourceHasNoPartitionsAndSaysWhy() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").named("orders").build();
        source.subscribe(new CollectingSink<KafkaRecord<String, String>>());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertEquals(List.of("source 'orders' has no partitions yet: it is joining its group 'in-memory'"),
                    pipeline.health().reasons());

            kafka.assign(ORDERS_0);
            Await.until(() -> pipeline.health().ready(), TIMEOUT, () -> "the pipeline to be ready: " + pipeline.health());

            kafka.assign(); // a rebalance took every partition
            Await.until(() -> !pipeline.health().ready(), TIMEOUT, () -> "the pipeline to be not ready");
            assertEquals(List.of("source 'orders' has no partitions: its group 'in-memory' is rebalancing, or has more"
                    + " members than the topics have partitions"), pipeline.health().reasons());
        }
    }

    @Test
    void withStopAtEndAMemberAssignedNoPartitionEndsAtItsFirstAssignment() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").stopAtEnd().build();
        var sink = new CollectingSink<KafkaRecord<String, String>>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign();

            pipeline.await(TIMEOUT);

            assertEquals(List.of(), sink.items());
        }
    }

    @Test
    void aSettingGivenTwiceFailsAtOnceNamingTheValueItHas() {
        var builder = KafkaSource.builder(Map.of("group.id", "g"), new StringDeserializer(), new StringDeserializer())
                .topics("orders", "refunds")
                .bufferSize(64);

        var twice = assertThrows(IllegalStateException.class, () -> builder.bufferSize(128));
        assertEquals("bufferSize was already set to 64; set it once", twice.getMessage());
        var both = assertThrows(IllegalStateException.class, () -> builder.topicPattern(Pattern.compile("o.*")));
        assertEquals("topics was already set to [orders, refunds]; set topics or topicPattern, not both",
                both.getMessage());
    }

    @Test
    void theCommitIntervalRunsOnThePipelinesClock() throws Exception {
        var source = ordersCommittingEvery(1_000, Duration.ofHours(1));
        AbstractStep<KafkaRecord<String, String>, String> values = Steps.map(KafkaRecord::value);
        var sink = new CollectingSink<String>();
        source.subscribe(values);
        values.subscribe(sink);
        SteppedClock clock = new SteppedClock();
        try (var pipeline = Pipeline.from(source).withScheduler(clock)) {
            pipeline.start();
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 3));
            sink.awaitCount(3, TIMEOUT); // processed; 3 records are far from 1 000, and no hour has passed

            // an hour at each look: a commit falls due each time, until the last acknowledgement is in one
            Await.until(() -> clock.nanos.addAndGet(Duration.ofHours(1).toNanos()) > 0
                    && kafka.committed(ORDERS_0) == 3, TIMEOUT, () -> "committed offset 3 of " + ORDERS_0
                    + "; it is " + kafka.committed(ORDERS_0));
        } finally {
            clock.timers.shutdownNow();
        }
    }

    @Test
    void commitsUpToTheFirstUnfinishedRecordOnly() throws Exception {
        var sink = new HoldingSink();
        Pipeline pipeline = startHolding(Steps.map(KafkaRecord::value), sink);
        try (pipeline) {
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 6));
            for (String v : List.of("0", "1", "2", "4", "5")) {
                sink.release(v);
            }
            kafka.awaitCommitted(ORDERS_0, 3, TIMEOUT);

            sink.release("3");

            kafka.awaitCommitted(ORDERS_0, 6, TIMEOUT);
        }
    }

    @Test
    void recordsFinishedBeyondTheCommittedOffsetAreNotProcessedAgainWhenThePartitionComesBack() throws Exception {
        var sink = new HoldingSink();
        Pipeline pipeline = startHolding(Steps.map(r -> r.partition() + ":" + r.value()), sink);
        try (pipeline) {
            kafka.assign(ORDERS_0, ORDERS_1).add(ORDERS_0, values(0, 6));
            revokeOrders0AtThreeAndTakeItBack(pipeline, sink);
        }
    }

    @Test
    void withAJournalAPartitionIsCommittedWhereItStartsAndARevokedOneTakenBackSkipsWhatItsCommitRecords(
            @TempDir java.nio.file.Path journal) throws Exception {
        var sink = new HoldingSink();
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").journal(journal).build();
        Pipeline pipeline = startHolding(source, Steps.map(r -> r.partition() + ":" + r.value()), sink);
        try (pipeline) {
            kafka.assign(ORDERS_0, ORDERS_1).add(ORDERS_0, values(0, 6));
            Await.until(() -> sink.held.containsKey("0:5"), TIMEOUT, () -> "0:5 to arrive");
            assertEquals(0, kafka.committed(ORDERS_0), "committed where its reading starts, nothing finished yet");
            assertEquals(0, kafka.committed(ORDERS_1));
            revokeOrders0AtThreeAndTakeItBack(pipeline, sink);
        }
    }

    /**
     * With orders-0's records 0 to 5 held by the sink: finishes all but 3, revokes orders-0 (its
     * commit at 3 records 4 and 5), finishes 3 too late for this member, takes orders-0 back and
     * checks that only 3 is read again.
     */
    private void revokeOrders0AtThreeAndTakeItBack(Pipeline pipeline, HoldingSink sink) {
        for (String v : List.of("0:0", "0:1", "0:2", "0:4", "0:5")) {
            sink.release(v);
        }
        kafka.awaitCommitted(ORDERS_0, 3, TIMEOUT);
        kafka.assign(ORDERS_1); // revoked: committed at 3, with 4 and 5 recorded as processed
        sink.release("0:3"); // too late for this member's commits

        kafka.assign(ORDERS_0, ORDERS_1); // back: read again from 3
        Await.until(() -> sink.held.containsKey("0:3"), TIMEOUT, () -> "0:3 to come again");
        sink.release("0:3");

        kafka.awaitCommitted(ORDERS_0, 6, TIMEOUT);
        assertEquals(List.of("0:0", "0:1", "0:2", "0:3", "0:4", "0:5", "0:3"), sink.arrivals);
        assertEquals(2, pipeline.metrics().node("KafkaSource").alreadyProcessed());
    }

    @Test
    void aPartitionWhoseMapOfFinishedRecordsIsCrowdedIsNotReadUntilItsFirstRecordIsDone() throws Exception {
        var sink = new HoldingSink();
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").build();
        Pipeline pipeline = startHolding(source, Steps.map(r -> r.partition() + ":" + r.value()), sink);
        try (pipeline) {
            crowdOrders0(source, sink);
            assertTrue(!kafka.paused().contains(ORDERS_1), "orders-1 was held back too: " + kafka.paused());

            releaseEven(sink);

            kafka.awaitCommitted(ORDERS_0, 20_000, TIMEOUT);
            Await.until(() -> !kafka.paused().contains(ORDERS_0), TIMEOUT, () -> "orders-0 to be read again");
        }
    }

    /**
     * Puts 20 000 records on orders-0 and lets every other one finish, the first not: a bitset of
     * 2 500 bytes, over half the metadata; waits until the source held the partition back. The
     * source says so itself: the consumer's paused partitions also show a full buffer's pause,
     * which may cover a whole hold.
     */
    private void crowdOrders0(KafkaSource<String, String> source, HoldingSink sink) {
        kafka.assign(ORDERS_0, ORDERS_1).add(ORDERS_0, values(0, 20_000));
        for (int i = 1; i < 20_000; i += 2) {
            sink.release("0:" + i);
        }
        Await.until(() -> source.holdsStarted() > 0, TIMEOUT, () -> "orders-0 to be held back; paused now: "
                + kafka.paused() + "; " + sink.arrivals.size() + " arrivals, " + sink.held.size() + " held");
    }

    private static void releaseEven(HoldingSink sink) {
        for (int i = 0; i < 20_000; i += 2) {
            sink.release("0:" + i);
        }
    }

    /** An event-time window may wait for the very partition held back: a hold never lasts. */
    @Test
    void aCrowdedPartitionIsReadAgainAfterASecondThoughItsFirstRecordIsStillUnfinished() throws Exception {
        var sink = new HoldingSink();
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").build();
        Pipeline pipeline = startHolding(source, Steps.map(r -> r.partition() + ":" + r.value()), sink);
        try (pipeline) {
            crowdOrders0(source, sink);
            kafka.add(ORDERS_0, "20000"); // after the hold began: read only once it ended

            Await.until(() -> sink.held.containsKey("0:20000"), TIMEOUT, () -> "orders-0 to be read again");

            assertEquals(0, kafka.committed(ORDERS_0), "its first record is still unfinished");
            releaseEven(sink);
            sink.release("0:20000");
            kafka.awaitCommitted(ORDERS_0, 20_001, TIMEOUT);
        }
    }

    @Test
    void aBatchCommitsItsRecordsWhenItIsConsumed() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").build();
        AbstractStep<KafkaRecord<String, String>, List<KafkaRecord<String, String>>> batch =
                Steps.batch(4, Duration.ofHours(1));
        var sink = new CollectingSink<List<KafkaRecord<String, String>>>();
        source.subscribe(batch);
        batch.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 10));

            kafka.awaitCommitted(ORDERS_0, 8, TIMEOUT);
            sink.awaitCount(2, TIMEOUT);
            assertEquals(8, kafka.committed(ORDERS_0)); // 8 and 9 wait in the third batch
        }
    }

    @Test
    void aFlatMappedRecordIsCommittedOnceAllItsOutputsAreConsumed() throws Exception {
        var sink = new HoldingSink();
        Pipeline pipeline = startHolding(Steps.flatMap(r -> List.of(r.value() + "a", r.value() + "b")), sink);
        try (pipeline) {
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 3));
            for (String v : List.of("0a", "0b", "1a", "2a", "2b")) {
                sink.release(v);
            }
            kafka.awaitCommitted(ORDERS_0, 1, TIMEOUT);

            sink.release("1b");

            kafka.awaitCommitted(ORDERS_0, 3, TIMEOUT);
        }
    }

    @Test
    void pausesWhileTheBufferIsFullAndResumesWhenItDrains() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").bufferSize(4).build();
        var gate = new CountDownLatch(1);
        var sink = new AbstractSink<KafkaRecord<String, String>>("gated", 1) {
            final List<String> values = new java.util.concurrent.CopyOnWriteArrayList<>();

            @Override
            protected void consume(KafkaRecord<String, String> record) throws InterruptedException {
                gate.await();
                values.add(record.value());
            }
        };
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 50));

            Await.until(() -> kafka.paused().contains(ORDERS_0), TIMEOUT, () -> "the partition to be paused");
            gate.countDown();

            kafka.awaitCommitted(ORDERS_0, 50, TIMEOUT);
            Await.until(() -> kafka.paused().isEmpty(), TIMEOUT, () -> "the partition to be resumed");
            assertEquals(List.of(values(0, 50)), sink.values);
        }
    }

    @Test
    void aPartitionAssignedWhilePausedIsPausedToo() throws Exception {
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").bufferSize(2).build();
        var gate = new CountDownLatch(1);
        var sink = new AbstractSink<KafkaRecord<String, String>>("gated", 1) {
            @Override
            protected void consume(KafkaRecord<String, String> record) throws InterruptedException {
                gate.await();
            }
        };
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 20));
            Await.until(() -> kafka.paused().contains(ORDERS_0), TIMEOUT, () -> "orders-0 to be paused");

            kafka.assign(ORDERS_0, ORDERS_1);

            Await.until(() -> kafka.paused().contains(ORDERS_1), TIMEOUT, () -> "orders-1 to be paused");
            gate.countDown();
        }
    }

    @Test
    void aRevokedPartitionCommitsWhatIsDoneAndLeavesItsRecordsInFlightToTheNextOwner() throws Exception {
        var sink = new HoldingSink();
        Pipeline pipeline = startHolding(Steps.map(r -> r.partition() + ":" + r.value()), sink);
        try (pipeline) {
            kafka.assign(ORDERS_0, ORDERS_1).add(ORDERS_0, values(0, 4)).add(ORDERS_1, values(0, 2));
            sink.release("0:0");
            sink.release("0:1");
            kafka.awaitCommitted(ORDERS_0, 2, TIMEOUT);

            kafka.assign(ORDERS_1); // orders-0 is revoked with 2 and 3 in flight
            sink.release("0:2");
            sink.release("0:3");
            sink.release("1:0");
            sink.release("1:1");

            kafka.awaitCommitted(ORDERS_1, 2, TIMEOUT);
            assertEquals(2, kafka.committed(ORDERS_0), "committed records of a partition it no longer owns");
        }
    }

    @Test
    void aRecordThatDoesNotDeserializeGoesToTheDeadLetters() throws Exception {
        var deadLetters = new CollectingSink<DeadLetter>();
        var source = kafka.source(new StringDeserializer(), new IntegerDeserializer(), "orders")
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters))
                .build();
        var sink = new CollectingSink<KafkaRecord<String, Integer>>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0)
                    .addBytes(ORDERS_0, new byte[] {0, 0, 0, 7})
                    .addBytes(ORDERS_0, new byte[] {1, 2})
                    .addBytes(ORDERS_0, new byte[] {0, 0, 0, 9});

            kafka.awaitCommitted(ORDERS_0, 3, TIMEOUT);

            assertEquals(List.of(7, 9), sink.items().stream().map(KafkaRecord::value).collect(Collectors.toList()));
            DeadLetter letter = deadLetters.awaitCount(1, TIMEOUT).get(0);
            assertEquals(1, ((ConsumerRecord<?, ?>) letter.item()).offset());
            assertTrue(letter.errorMessage().startsWith("record orders-0@1 does not deserialize"), letter.errorMessage());
        }
    }

    @Test
    void aRecordThatDoesNotDeserializeIsSkippedAndCommittedPastWhenThePolicySaysSo() throws Exception {
        var source = kafka.source(new StringDeserializer(), new IntegerDeserializer(), "orders")
                .withErrorPolicy(ErrorPolicy.skip())
                .build();
        var sink = new CollectingSink<KafkaRecord<String, Integer>>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0).addBytes(ORDERS_0, new byte[] {1}, new byte[] {0, 0, 0, 5});

            kafka.awaitCommitted(ORDERS_0, 2, TIMEOUT);

            assertEquals(List.of(5), sink.items().stream().map(KafkaRecord::value).collect(Collectors.toList()));
        }
    }

    @Test
    void aRecordThatDoesNotDeserializeFailsThePipelineByDefault() {
        var source = kafka.source(new StringDeserializer(), new IntegerDeserializer(), "orders").build();
        source.subscribe(new CollectingSink<>());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            kafka.assign(ORDERS_0).addBytes(ORDERS_0, new byte[] {1});

            var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

            assertTrue(failure.getMessage().contains("does not deserialize"), failure.getMessage());
            assertTrue(kafka.isClosed());
        }
    }

    @Test
    void aGracefulStopWaitsForRecordsInFlightCommitsAndCloses() throws Exception {
        var sink = new HoldingSink();
        Pipeline pipeline = startHolding(ordersCommittingEvery(1_000, Duration.ofHours(1)), Steps.map(KafkaRecord::value),
                sink);
        try (pipeline) {
            kafka.assign(ORDERS_0).add(ORDERS_0, values(0, 3));
            sink.release("0");
            Await.until(() -> sink.held.size() == 2, TIMEOUT, () -> "two records held");

            pipeline.stop();
            assertEquals(-1, kafka.committed(ORDERS_0)); // nothing yet: it waits for 1 and 2
            sink.release("1");
            sink.release("2");
            pipeline.await(TIMEOUT);

            assertEquals(3, kafka.committed(ORDERS_0));
            assertTrue(kafka.isClosed());
        }
    }
}
