package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Steps;
import io.nanostream.kafka.broker.EmbeddedKafka;
import io.nanostream.kafka.broker.TopicWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16's exactly-once mode ({@link KafkaSource.Builder#exactlyOnce}) against a real KRaft
 * broker: a {@code read_committed} reader of the outputs sees every output once, across graceful
 * stops, failures, SIGKILLs at chosen moments, a broker restart, and an instance that takes over
 * from a killed or frozen one; and the pipelines it cannot make exact are refused when built.
 */
@Tag("crash") // child JVMs killed at chosen moments; CI runs these on JDK 17 only, see .ci/run
@Timeout(value = 10, unit = TimeUnit.MINUTES) // the waits inside fail first, with what they waited for
class KafkaExactlyOnceTest extends OrdersTopics {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private OrdersEtl.Settings settings(EmbeddedKafka on, int ratePerSecond, String transactionalId) {
        return new OrdersEtl.Settings(on.bootstrapServers(), "eos-" + run, inputs, output, deadLetters, 0,
                ratePerSecond).exactlyOnce(transactionalId);
    }

    /** The ids every parsed order leads to on the second output topic. */
    private static List<String> everyId(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add("order-" + i);
        }
        return ids;
    }

    /** Asserts that both outputs hold each expected id exactly once, and nothing else. */
    private void assertExactlyOnce(EmbeddedKafka on, int count, Runnable betweenReads) {
        List<String> kept = awaitIds(on, output, OrdersEtl.expectedIds(count, 0), TIMEOUT, betweenReads);
        List<String> every = awaitIds(on, OrdersEtl.everyOrder(output), everyId(count), TIMEOUT, betweenReads);
        assertEquals(new TreeSet<>(OrdersEtl.expectedIds(count, 0)), new TreeSet<>(kept), "the filtered output");
        assertEquals(0, duplicates(kept), "duplicates in the filtered output");
        assertEquals(count, new HashSet<>(every).size(), "every order's output");
        assertEquals(0, duplicates(every), "duplicates in every order's output");
    }

    @Test
    void aGracefulStopThenRestartWritesEachOutputOnce() throws Exception {
        int count = 12_000;
        broker.produce(OrdersEtl.orders(inputs, count, 0));

        try (Pipeline first = OrdersEtl.build(settings(broker, 3_000, "eos-" + run + "-a"))) {
            first.start();
            broker.readValues(output, count / 4, TIMEOUT);
            first.stop();
            first.await(TIMEOUT);
        }
        int afterStop = broker.readAll(output).size();
        assertTrue(afterStop > 0 && afterStop < OrdersEtl.expectedIds(count, 0).size(),
                "stopped mid-run: " + afterStop + " outputs committed");
        try (Pipeline second = OrdersEtl.build(settings(broker, 0, "eos-" + run + "-a"))) {
            second.start();
            assertExactlyOnce(broker, count, () -> { });
            second.stop();
            second.await(TIMEOUT);
        }
    }

    /**
     * A pipeline that fails mid-run (a step fails it) aborts its open transaction: what it wrote
     * since its last commit is dropped for read_committed readers, and the restart writes it once.
     */
    @Test
    void aPipelineThatFailsAbortsItsTransactionAndTheRestartWritesEachOutputOnce() throws Exception {
        int count = 9_000;
        broker.produce(OrdersEtl.orders(inputs, count, 0));
        Map<String, Object> consumer = Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", "eos-" + run,
                "auto.offset.reset", "earliest");
        AtomicBoolean failOnce = new AtomicBoolean(true);
        for (int attempt = 0; attempt < 2; attempt++) {
            KafkaSource<String, String> source = KafkaSource.builder(consumer, new StringDeserializer(), new StringDeserializer())
                    .topics(inputs.toArray(new String[0]))
                    .exactlyOnce(Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", "eos-" + run))
                    .stopAtEnd()
                    .build();
            var check = Steps.<KafkaRecord<String, String>, String>map(record -> {
                if (record.value().startsWith("order-6000,") && failOnce.getAndSet(false)) {
                    throw new IllegalStateException("order 6000 fails the first run");
                }
                return record.value().substring(0, record.value().indexOf(','));
            }).withErrorPolicy(ErrorPolicy.fail());
            source.subscribe(check);
            check.subscribe(KafkaSink.builder(broker.producerConfig(), new StringSerializer(),
                    new StringSerializer()).topic(output, (String id) -> id, id -> id).build());
            try (Pipeline pipeline = Pipeline.from(source)) {
                pipeline.start();
                if (attempt == 0) {
                    PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
                    assertTrue(failure.getMessage().contains("order 6000 fails"), failure.getMessage());
                } else {
                    pipeline.await(TIMEOUT);
                }
            }
        }
        List<String> ids = broker.readAll(output).stream().map(ConsumerRecord::value).collect(Collectors.toList());
        assertEquals(new TreeSet<>(everyId(count)), new TreeSet<>(ids));
        assertEquals(0, duplicates(ids), "duplicates after the failed run");
    }

    /**
     * The rule that makes it exact: a record's outputs are committed together or not at all. Each
     * record goes two ways, straight to one topic and through a call to another; the call for
     * order 5 does not answer in the first run, so its first output waits, unsent, through the
     * commits of the others. The call then fails, and with it the first run (its transaction
     * aborted); the second run writes both of order 5's outputs, once.
     */
    @Test
    void aRecordsOutputsAreCommittedTogetherOrNotAtAll() throws Exception {
        broker.produce(OrdersEtl.orders(List.of(inputs.get(0)), 10, 0));
        String straight = OrdersEtl.everyOrder(output);
        var unanswered = new java.util.concurrent.CompletableFuture<String>();
        for (int attempt = 0; attempt < 2; attempt++) {
            boolean answerAll = attempt == 1;
            KafkaSource<String, String> source = KafkaSource.builder(broker.consumerConfig("eos-" + run),
                    new StringDeserializer(), new StringDeserializer())
                    .topics(inputs.get(0))
                    .exactlyOnce(Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", "eos-" + run))
                    .commitEvery(500, Duration.ofMillis(100))
                    .stopTimeout(Duration.ofMillis(200))
                    .build();
            var call = Steps.<KafkaRecord<String, String>, String>mapAsyncUnordered(16, record -> {
                String id = record.value().substring(0, record.value().indexOf(','));
                return answerAll || !id.equals("order-5") ? java.util.concurrent.CompletableFuture.completedFuture(id)
                        : unanswered;
            });
            source.subscribe(call);
            call.subscribe(KafkaSink.builder(broker.producerConfig(), new StringSerializer(),
                    new StringSerializer()).topic(output, (String id) -> id, id -> id).build());
            source.subscribe(KafkaSink.builder(broker.producerConfig(),
                    new StringSerializer(), new StringSerializer()).named("straight")
                    .topic(straight, (KafkaRecord<String, String> r) -> r.key(), r -> r.value().substring(0, r.value().indexOf(','))).build());
            try (Pipeline pipeline = Pipeline.from(source)) {
                pipeline.start();
                if (!answerAll) {
                    List<String> committed = broker.readValues(straight, 9, TIMEOUT);
                    assertEquals(9, committed.size(), "the other nine committed: " + committed);
                    // a second more, ten commits (every 100 ms), with order 5's straight output waiting
                    assertTrue(!broker.readValues(straight, 10, Duration.ofSeconds(1)).contains("order-5"),
                            "order 5's straight output was committed without its other output");
                    unanswered.completeExceptionally(new IllegalStateException("the call for order 5 failed"));
                    assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT)); // the step's policy: fail
                } else {
                    assertExactlyTen(straight);
                    assertExactlyTen(output);
                    pipeline.stop();
                    pipeline.await(TIMEOUT);
                }
            }
        }
    }

    private void assertExactlyTen(String topic) {
        List<String> ids = awaitIds(broker, topic, everyId(10), TIMEOUT, () -> { });
        assertEquals(new TreeSet<>(everyId(10)), new TreeSet<>(ids), topic);
        assertEquals(0, duplicates(ids), "duplicates in " + topic + ": " + ids);
    }

    /** Every how many orders the crash run's pipeline makes a 300 ms call, so records finish out of order. */
    private static final int SLOW_EVERY = 100;

    /**
     * Issue 16's crash run: 300 000 records over three topics, each going to two topics (every
     * order's id, and the ids that pass the filter after a call that takes 300 ms for every 100th),
     * the pipeline in a child JVM killed with SIGKILL six times (right after the broker
     * acknowledged an output in an open transaction, right after a transaction committed, and at
     * random), and the broker restarted once mid-run. A read_committed reader sees every output
     * once: 0 missing, 0 duplicates.
     */
    @Test
    void sixKillsAndABrokerRestartLeaveEveryOutputOnceForReadCommittedReaders() throws Exception {
        try (EmbeddedKafka own = EmbeddedKafka.start()) {
            useTopics(own, 3);
            int count = 300_000;
            // the input comes in eight parts: one before each child and one after the broker restart, so
            // that each child has records to write however fast the ones before it were
            java.util.Iterator<List<ProducerRecord<String, String>>> parts = OrdersEtl.parts(OrdersEtl.orders(inputs, count, 0), 8);
            java.util.Random random = new java.util.Random();
            List<String> moments = List.of("ack", "commit", "random", "restart broker", "ack", "random");
            int kills = 0;
            try (TopicWatch acks = TopicWatch.of(own, output); TopicWatch commits = TopicWatch.ofCommitted(own, output)) {
                for (String moment : moments) {
                    acks.skipToEnd();
                    commits.skipToEnd();
                    own.produce(parts.next());
                    Process child = child(own, "kill-" + kills, "member", 0);
                    try {
                        awaitNextOutput(acks, child); // a first output written: the child is under way
                        switch (moment) {
                            case "commit" -> commits.awaitNext(TIMEOUT); // right after a commit
                            case "random" -> acks.follow(Duration.ofMillis(200 + random.nextInt(2_000)));
                            case "restart broker" -> {
                                acks.follow(Duration.ofMillis(500));
                                own.stop();
                                own.restart();
                                acks.skipToEnd();
                                own.produce(parts.next());
                                acks.awaitNext(TIMEOUT); // written again after the restart, by this child or not
                            }
                            default -> { } // "ack": right after the broker acknowledged an output
                        }
                    } finally {
                        child.destroyForcibly().waitFor();
                    }
                    kills++;
                }
            }
            own.produce(parts.next());
            assertTrue(!parts.hasNext(), "every part produced");
            Process[] last = {child(own, "last", "member", 0)};
            int[] restarts = {0};
            try {
                assertExactlyOnce(own, count, () -> {
                    if (!last[0].isAlive()) { // a transaction it could not commit fails it: start it again
                        last[0] = start(() -> child(own, "last-again", "member", 0));
                        restarts[0]++;
                    }
                });
                System.out.printf("exactly-once crash run: %d kills and a broker restart, the last run restarted %d"
                        + " times, %d outputs each once%n", kills, restarts[0], count + OrdersEtl.expectedIds(count, 0).size());
            } finally {
                stop(last[0]);
            }
        }
    }

    /**
     * Fencing: of two instances in one group, A is frozen (SIGSTOP) until the group gives its
     * partitions to B, then thawed: A, a zombie now, must not commit what it still holds, and
     * stops. A restarted A (same transactional id) joins again, then B is killed (SIGKILL) and A
     * takes over B's partitions. Every output once.
     */
    @Test
    void aFrozenInstanceIsFencedAndAKilledOnesPartitionsAreTakenOverEachOutputOnce() throws Exception {
        useTopics(broker, 6);
        int count = 60_000;
        broker.produce(OrdersEtl.orders(inputs, count, 0));
        Process a = child(broker, "a", null, 1_500);
        Process b = child(broker, "b", null, 1_500);
        try {
            broker.readValues(output, 3_000, TIMEOUT);
            signal(a, "STOP");
            awaitMembers(1); // A's session timed out: B has every partition
            broker.readValues(output, broker.readAll(output).size() + 1_000, TIMEOUT); // B writes on
            signal(a, "CONT");
            assertTrue(a.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the thawed zombie A stops");
            assertTrue(a.exitValue() != 0, "A failed, its transaction fenced: exit " + a.exitValue());
            a = child(broker, "a-again", null, 1_500);
            awaitMembers(2);
            b.destroyForcibly().waitFor();
            Process[] survivor = {a};
            assertExactlyOnce(broker, count, () -> assertTrue(survivor[0].isAlive(), "A runs on"));
        } finally {
            stop(a);
            stop(b);
        }
    }

    /**
     * A member frozen or killed between sending its offsets and committing leaves them in an open
     * transaction, which a {@code read_committed} reader of the group's commits waits out. The
     * member given its partitions waits for that transaction to end (here committed after 12 s,
     * longer than one 10 s read) and skips what its commit records as processed. A CI run once gave
     * up after 10 s, read the records again, and wrote 587 outputs twice.
     */
    @Test
    void anAssignmentWaitsForTheLastCommitsAnotherMembersOpenTransactionHolds() throws Exception {
        String input = inputs.get(0);
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(new ProducerRecord<>(input, 0, "k", "r" + i));
        }
        broker.produce(records);
        Map<String, Object> zombieConfig = new java.util.HashMap<>(broker.producerConfig());
        zombieConfig.put("transactional.id", "eos-" + run + "-zombie");
        zombieConfig.put("transaction.timeout.ms", 60_000);
        try (var zombie = new org.apache.kafka.clients.producer.KafkaProducer<>(zombieConfig, new StringSerializer(),
                new StringSerializer());
                var group = new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.<String, Object>of(
                        "bootstrap.servers", broker.bootstrapServers(), "group.id", "eos-" + run),
                        new StringDeserializer(), new StringDeserializer())) {
            zombie.initTransactions();
            zombie.beginTransaction();
            // r2 is the first record not processed, r3 to r9 were: runs of 1 unfinished, 7 finished
            zombie.sendOffsetsToTransaction(Map.of(new org.apache.kafka.common.TopicPartition(input, 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(2,
                            FinishedOffsets.encode(new long[] {1, 7}, 2).metadata())),
                    group.groupMetadata()); // a member of no generation, as a consumer that assigns itself
            var committed = java.util.concurrent.CompletableFuture.runAsync(zombie::commitTransaction,
                    java.util.concurrent.CompletableFuture.delayedExecutor(12, TimeUnit.SECONDS));

            KafkaSource<String, String> source = KafkaSource.builder(Map.of("bootstrap.servers",
                    broker.bootstrapServers(), "group.id", "eos-" + run), new StringDeserializer(), new StringDeserializer())
                    .topics(input)
                    .exactlyOnce(Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", "eos-" + run))
                    .build();
            var value = Steps.<KafkaRecord<String, String>, String>map(KafkaRecord::value);
            source.subscribe(value);
            value.subscribe(KafkaSink.builder(broker.producerConfig(), new StringSerializer(), new StringSerializer())
                    .topic(output, (String v) -> v, v -> v).build());
            try (Pipeline pipeline = Pipeline.from(source)) {
                pipeline.start();
                committed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                broker.produce(List.of(new ProducerRecord<>(input, 0, "k", "r10")));
                List<String> read = broker.readValues(output, 2, TIMEOUT);
                assertEquals(List.of("r10", "r2"), broker.readAll(output).stream().map(ConsumerRecord::value).sorted()
                        .collect(Collectors.toList()), "read first: " + read);
                assertEquals(Pipeline.State.RUNNING, pipeline.state());
            }
        }
    }

    private void awaitMembers(int members) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (var admin = broker.admin()) {
            while (System.nanoTime() < deadline) {
                var group = admin.describeConsumerGroups(List.of("eos-" + run)).all().get(30, TimeUnit.SECONDS)
                        .get("eos-" + run);
                if (group.members().size() == members && group.groupState() == org.apache.kafka.common.GroupState.STABLE) {
                    return;
                }
                broker.read(output, Integer.MAX_VALUE, Duration.ofMillis(500)); // lets half a second pass
            }
        }
        throw new AssertionError("group eos-" + run + " did not come to " + members + " members within " + TIMEOUT);
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
    }

    /** Starts OrdersEtl, exactly-once, in a child JVM: a static member when {@code member} is given. */
    private Process child(EmbeddedKafka on, String name, String member, int ratePerSecond) throws Exception {
        String id = "eos-" + run + "-" + (member != null ? member : name.replace("-again", ""));
        List<String> args = new ArrayList<>(List.of(on.bootstrapServers(), "eos-" + run, output, deadLetters, "0",
                String.valueOf(ratePerSecond), member != null ? id : "-", "10000", String.valueOf(SLOW_EVERY), id, "-"));
        args.addAll(inputs);
        Path log = Files.createTempFile("nanostream-eos-" + name + "-", ".log");
        Process child = EmbeddedKafka.java(OrdersEtl.class.getName(), args.toArray(new String[0]))
                .redirectOutput(log.toFile()).start();
        logs.put(child, log);
        return child;
    }

    /** The log of each child started, to show when one stalls. */
    private final Map<Process, Path> logs = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Waits for the next output; if none comes in time, fails saying whether the child runs, how
     * its log ends (its progress lines every 5 s) and what its threads are doing.
     */
    private void awaitNextOutput(TopicWatch watch, Process child) throws Exception {
        try {
            watch.awaitNext(TIMEOUT);
        } catch (AssertionError stalled) {
            List<String> lines = Files.readAllLines(logs.get(child));
            Process dump = new ProcessBuilder("jcmd", String.valueOf(child.pid()), "Thread.print").redirectErrorStream(true)
                    .start();
            String threads = new String(dump.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            throw new AssertionError(stalled.getMessage() + " from child " + child.pid() + ", "
                    + (child.isAlive() ? "running" : "exited with " + child.exitValue()) + "; its partitions:\n"
                    + lines.stream().filter(line -> line.startsWith("rebalance")).collect(Collectors.joining("\n"))
                    + "\nits log ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))
                    + "\nits threads:\n" + threads, stalled);
        }
    }

    private interface Start {
        Process start() throws Exception;
    }

    private static Process start(Start start) {
        try {
            return start.start();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(); // a child left running would load the next tests' broker
        }
    }

    @Test
    void aPipelineWithASinkOutsideKafkaIsRefusedWhenBuilt() {
        KafkaSource<String, String> source = exactlyOnceSource();
        AbstractSink<KafkaRecord<String, String>> database = new AbstractSink<>() {
            @Override
            protected void consume(KafkaRecord<String, String> item) {
            }
        };
        database.named("orders table");
        source.subscribe(database);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(source));
        assertEquals("source 'KafkaSource' reads exactly once, but sink 'orders table' is not a KafkaSink, and only Kafka"
                + " sinks write in its transactions: write to a topic and feed that sink from a second pipeline reading the"
                + " topic (read_committed), or drop exactlyOnce to write at least once", error.getMessage());
    }

    @Test
    void aSecondSourceAndAOncePerKeySinkAreRefusedWhenBuilt() {
        KafkaSource<String, String> source = exactlyOnceSource();
        KafkaSource<String, String> other = KafkaSource.builder(broker.consumerConfig("other"), new StringDeserializer(),
                new StringDeserializer()).topics("elsewhere").named("other").build();
        var merge = Steps.<KafkaRecord<String, String>>merge();
        source.subscribe(merge);
        other.subscribe(merge);
        merge.subscribe(sink(null));
        IllegalArgumentException twoSources = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(source, other));
        assertTrue(twoSources.getMessage().startsWith("source 'KafkaSource' reads exactly once, so it must be its"
                + " pipeline's only source, but the pipeline also starts at source 'other'"), twoSources.getMessage());

        KafkaSource<String, String> alone = exactlyOnceSource();
        alone.subscribe(sink(Duration.ofMinutes(1)));
        IllegalArgumentException oncePerKey = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(alone));
        assertEquals("sink 'KafkaSink' writes each key once (oncePerKey), but source 'KafkaSource' reads exactly once,"
                + " which writes each result once already: drop oncePerKey", oncePerKey.getMessage());
    }

    @Test
    void exactlyOnceNeedsATransactionalId() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> KafkaSource.builder(
                broker.consumerConfig("g"), new StringDeserializer(), new StringDeserializer())
                .exactlyOnce(broker.producerConfig()));
        assertTrue(error.getMessage().startsWith("the producer configuration of exactlyOnce has no transactional.id"),
                error.getMessage());
    }

    @Test
    void exactlyOnceCommitsAtLeastTwicePerTransactionTimeout() {
        var builder = KafkaSource.builder(broker.consumerConfig("g"), new StringDeserializer(), new StringDeserializer())
                .topics(inputs.get(0))
                .commitEvery(500, Duration.ofSeconds(6))
                .exactlyOnce(Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", "t-" + run));
        IllegalStateException error = assertThrows(IllegalStateException.class, builder::build);
        assertEquals("exactlyOnce commits every PT6S, but its transactions time out after 10000 ms, and the broker aborts"
                + " one that lasts longer: commit at least twice per transaction.timeout.ms", error.getMessage());
    }

    private KafkaSource<String, String> exactlyOnceSource() {
        return KafkaSource.builder(broker.consumerConfig("g-" + run), new StringDeserializer(), new StringDeserializer())
                .topics(inputs.get(0))
                .exactlyOnce(Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", "t-" + run))
                .build();
    }

    private KafkaSink<KafkaRecord<String, String>> sink(Duration oncePerKey) {
        var builder = KafkaSink.builder(broker.producerConfig(), new StringSerializer(), new StringSerializer())
                .topic(output, (KafkaRecord<String, String> record) -> record.key(), KafkaRecord::value);
        if (oncePerKey != null) {
            builder.oncePerKey(oncePerKey);
        }
        return builder.build();
    }
}
