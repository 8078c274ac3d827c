package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.kafka.broker.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16's scale-out under faults: three instances of one pipeline in one group, each a child
 * JVM, on 12 partitions (three topics of four), 300 000 records; mid-run one instance is killed
 * with SIGKILL, a fourth joins, and one leaves gracefully (SIGTERM). Nothing is lost, at least
 * once; with {@code exactlyOnce}, a read_committed reader also sees nothing twice. Each test prints
 * the rebalances (as the instance that runs throughout saw them) and how long each event stalled
 * the output: the longest time with no new output after it.
 */
@Tag("crash") // child JVMs killed at chosen moments; CI runs these on JDK 17 only, see .ci/run
@Timeout(value = 10, unit = TimeUnit.MINUTES) // the waits inside fail first, with what they waited for
class KafkaScaleOutTest extends OrdersTopics {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int COUNT = 300_000;
    /** Records per second each instance takes at most, so that the run lasts through the events. */
    private static final int RATE = 3_000;

    @Override
    int inputPartitions() {
        return 4; // 12 partitions
    }

    @BeforeEach
    void orders() throws Exception {
        broker.produce(OrdersEtl.orders(inputs, COUNT, 0));
    }

    @Test
    void atLeastOnceAKillAJoinAndALeaveLoseNothing() throws Exception {
        List<String> ids = scaleOut(false);

        assertEquals(new TreeSet<>(OrdersEtl.expectedIds(COUNT, 0)), new TreeSet<>(ids), "records lost");
        System.out.printf("scale-out, at least once: %d duplicates of %d outputs%n", duplicates(ids), ids.size());
    }

    @Test
    void exactlyOnceAKillAJoinAndALeaveLoseNothingAndDuplicateNothing() throws Exception {
        List<String> ids = scaleOut(true);

        assertEquals(new TreeSet<>(OrdersEtl.expectedIds(COUNT, 0)), new TreeSet<>(ids), "records lost");
        assertEquals(0, duplicates(ids), "duplicates for a read_committed reader");
        List<String> every = broker.readAll(OrdersEtl.everyOrder(output)).stream().map(ConsumerRecord::value)
                .collect(Collectors.toList());
        assertEquals(COUNT, new HashSet<>(every).size(), "every order's output");
        assertEquals(0, duplicates(every), "duplicates in every order's output");
    }

    /**
     * Runs A, B and C; kills A after a fifth of the outputs, starts D after two fifths, stops B
     * gracefully after three fifths; returns the output once every id is there.
     */
    private List<String> scaleOut(boolean exactlyOnce) throws Exception {
        List<String> expected = OrdersEtl.expectedIds(COUNT, 0);
        Map<String, Process> instances = new LinkedHashMap<>();
        Map<String, Path> logs = new LinkedHashMap<>();
        Map<String, Long> stalls = new LinkedHashMap<>();
        try (OutputWatch watch = new OutputWatch()) {
            for (String name : List.of("a", "b", "c")) {
                start(name, exactlyOnce, instances, logs);
            }
            // the three share the 12 partitions (each joined, perhaps one after the other), and output flows
            watch.longestGapWhile(() -> !shareAll(logs) || watch.count < expected.size() / 5);
            Path c = logs.get("c");
            int atStart = assignments(c);
            long killed = System.currentTimeMillis();
            instances.get("a").destroyForcibly().waitFor(); // SIGKILL
            // each event: until c was assigned partitions once more, and a second of output after it
            stalls.put("a killed", watch.longestGapWhile(after(c, assignments(c) + 1)));
            long joined = System.currentTimeMillis();
            start("d", exactlyOnce, instances, logs);
            stalls.put("d joined", watch.longestGapWhile(after(c, assignments(c) + 1)));
            long left = System.currentTimeMillis();
            instances.get("b").destroy(); // SIGTERM: a graceful stop, which leaves the group
            stalls.put("b left", watch.longestGapWhile(after(c, assignments(c) + 1)));
            assertTrue(instances.get("b").waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "b stopped");
            List<String> ids = awaitIds(broker, output, expected, TIMEOUT, () -> { });

            List<String> rebalances = assigned(c);
            System.out.printf("scale-out (%s): kill at %d, join at %d, leave at %d; c was assigned partitions %d times,"
                    + " %d of them after the first event: %s; longest stall of the output after each event (ms): %s%n",
                    exactlyOnce ? "exactly once" : "at least once", killed, joined, left, rebalances.size(),
                    rebalances.size() - atStart, rebalances.stream().map(l -> l.split(" ")[2] + ":"
                            + partitionCount(l) + " partitions").collect(Collectors.toList()), stalls);
            assertTrue(rebalances.size() - atStart >= 3, "c saw a rebalance for each of the three events: " + rebalances);
            return ids;
        } finally {
            for (Process instance : instances.values()) {
                instance.destroy();
                if (!instance.waitFor(60, TimeUnit.SECONDS)) {
                    instance.destroyForcibly().waitFor();
                }
            }
        }
    }

    private void start(String name, boolean exactlyOnce, Map<String, Process> instances, Map<String, Path> logs)
            throws Exception {
        List<String> args = new ArrayList<>(List.of(broker.bootstrapServers(), "scale-" + run, output, deadLetters, "0",
                String.valueOf(RATE), "-", "10000", "0", exactlyOnce ? "scale-" + run + "-" + name : "-", "-"));
        args.addAll(inputs);
        Path log = Files.createTempFile("nanostream-scale-" + name + "-", ".log");
        instances.put(name, EmbeddedKafka.java(OrdersEtl.class.getName(), args.toArray(new String[0]))
                .redirectOutput(log.toFile()).start());
        logs.put(name, log);
    }

    /** How many times the instance logging to {@code log} was assigned partitions. */
    private static int assignments(Path log) {
        return assigned(log).size();
    }

    /** The instance's "rebalance assigned" lines so far, whole ones only (it may be writing the last). */
    private static List<String> assigned(Path log) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.startsWith("rebalance assigned") && l.endsWith("]"))
                    .collect(Collectors.toList());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether a, b and c each hold partitions now, the 12 between them, as their logs last said. */
    private static boolean shareAll(Map<String, Path> logs) {
        int total = 0;
        for (String name : List.of("a", "b", "c")) {
            List<String> assigned = assigned(logs.get(name));
            int partitions = assigned.isEmpty() ? 0 : partitionCount(assigned.get(assigned.size() - 1));
            if (partitions == 0) {
                return false;
            }
            total += partitions;
        }
        return total == 12;
    }

    /** The number of partitions in a "rebalance assigned <ms> [t-0, t-1]" line. */
    private static int partitionCount(String line) {
        String partitions = line.split(" ", 4)[3].trim();
        return partitions.equals("[]") ? 0 : partitions.split(",").length;
    }

    /** True until the instance was assigned partitions {@code times} times and a second of output has passed since. */
    private static java.util.function.BooleanSupplier after(Path log, int times) {
        long[] reached = {0};
        return () -> {
            if (reached[0] == 0 && assignments(log) >= times) {
                reached[0] = System.nanoTime();
            }
            return reached[0] == 0 || System.nanoTime() - reached[0] < TimeUnit.SECONDS.toNanos(1);
        };
    }

    /** Counts the output topic's records as they become readable (read_committed), and the gaps between them. */
    private final class OutputWatch implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private long count;
        private long lastRecord = System.nanoTime();

        OutputWatch() {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(output, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(output, info.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Reads while {@code waiting} says so; returns the longest time in between with no output, in ms. */
        long longestGapWhile(java.util.function.BooleanSupplier waiting) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            long longest = 0;
            lastRecord = System.nanoTime();
            while (waiting.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("still waiting after " + TIMEOUT + ", " + count + " outputs read");
                }
                int read = consumer.poll(Duration.ofMillis(10)).count();
                long now = System.nanoTime();
                if (read > 0) {
                    longest = Math.max(longest, now - lastRecord);
                    lastRecord = now;
                    count += read;
                }
            }
            return TimeUnit.NANOSECONDS.toMillis(Math.max(longest, System.nanoTime() - lastRecord));
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
