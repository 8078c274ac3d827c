package io.nanostream.benchmarks;

import io.nanostream.kafka.broker.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Benchmark 4 (issue 17): records per second through a slow call per record that must keep each
 * key's order, on a real broker ({@link EmbeddedKafka}), 1 topic × 12 partitions, 1 000 keys:
 * {@code mapAsyncByKey} and {@code mapBlockingByKey} against {@code mapAsync}, {@code partition}
 * with a blocking call per lane, Kafka Streams with one stream thread per partition, and a plain
 * consumer loop; for calls of 1, 5 and 50 ms, and with one key taking 20 % of the records.
 *
 * <p>A whole-pipeline run, not JMH: each contender reads a backlog under a group of its own,
 * writing to a topic of its own; after its first output and a warm-up, the rate is the growth of
 * its output topic's end offsets over the measured span. Then it stops, and its output is read
 * whole to count the keys that lost their order.
 *
 * <pre>
 * benchmarks/slow-calls                     # every scenario, 10 s measured per contender
 * benchmarks/slow-calls 5ms 20              # one scenario (1ms, 5ms, 50ms, skewed), 20 s each
 * benchmarks/slow-calls 5ms 20 mapAsyncByKey # the contenders whose names start so
 * </pre>
 */
public final class SlowCallBenchmark {

    /** One latency and key distribution. */
    record Scenario(String name, Duration latency, double hotShare) {
    }

    static final List<Scenario> SCENARIOS = List.of(new Scenario("5ms", Duration.ofMillis(5), 0),
            new Scenario("1ms", Duration.ofMillis(1), 0), new Scenario("50ms", Duration.ofMillis(50), 0),
            new Scenario("skewed", Duration.ofMillis(5), 0.2));
    static final int MAX_IN_FLIGHT = 256;
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final Duration FIRST_OUTPUT_TIMEOUT = Duration.ofSeconds(90);

    /** The contenders, by name. */
    static Map<String, SlowCallWorkload.Contender> contenders() {
        Map<String, SlowCallWorkload.Contender> contenders = new LinkedHashMap<>();
        contenders.put("mapAsyncByKey(" + MAX_IN_FLIGHT + ")", SlowCallWorkload.keyedAsync(MAX_IN_FLIGHT));
        contenders.put("mapBlockingByKey(" + MAX_IN_FLIGHT + ")", SlowCallWorkload.keyedBlocking(MAX_IN_FLIGHT));
        contenders.put("mapAsync(64)", SlowCallWorkload.mapAsync(64));
        contenders.put("partition(12), blocking", SlowCallWorkload.partitioned(SlowCallWorkload.PARTITIONS));
        contenders.put("Kafka Streams, 12 threads", SlowCallWorkload.kafkaStreams());
        contenders.put("plain loop", SlowCallWorkload.plainLoop());
        return contenders;
    }

    /** What one contender did in one scenario. */
    record Result(String scenario, String contender, double perSecond, long outputs, int keysOutOfOrder,
            String figures) {
    }

    private final EmbeddedKafka kafka;
    private final AtomicInteger runs = new AtomicInteger();

    SlowCallBenchmark(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    public static void main(String[] args) throws Exception {
        List<Scenario> scenarios = args.length > 0
                ? SCENARIOS.stream().filter(scenario -> scenario.name().equals(args[0])).toList() : SCENARIOS;
        Duration measured = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("no scenario " + args[0] + "; choose from 1ms, 5ms, 50ms, skewed");
        }
        System.out.printf(Locale.ROOT, "slow calls: 1 topic x %d partitions, %d keys, maxInFlight %d, %s measured"
                + " per contender, JDK %s, %d CPUs%n", SlowCallWorkload.PARTITIONS, SlowCallWorkload.KEYS,
                MAX_IN_FLIGHT, measured, Runtime.version(), Runtime.getRuntime().availableProcessors());
        for (Scenario scenario : scenarios) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                SlowCallBenchmark benchmark = new SlowCallBenchmark(kafka);
                String input = benchmark.backlog(scenario, measured);
                for (Map.Entry<String, SlowCallWorkload.Contender> contender : contenders().entrySet()) {
                    if (args.length > 2 && !contender.getKey().startsWith(args[2])) {
                        continue;
                    }
                    Result result = benchmark.run(scenario, input, contender.getKey(), contender.getValue(), measured);
                    System.out.printf(Locale.ROOT, "%-8s %-28s %,10.0f records/s   %,9d outputs   %d keys out of"
                            + " order   %s%n", result.scenario(), result.contender(), result.perSecond(), result.outputs(),
                            result.keysOutOfOrder(), result.figures());
                }
            }
        }
    }

    /**
     * Loads the scenario's input: enough for the step's own bound ({@code MAX_IN_FLIGHT} calls per
     * latency) over the warm-up and the measured span, at most 1 M records.
     */
    String backlog(Scenario scenario, Duration measured) throws Exception {
        String input = "slow-calls-" + scenario.name();
        double bound = MAX_IN_FLIGHT * 1e9 / scenario.latency().toNanos();
        long records = (long) Math.min(1_000_000, bound * (measured.plus(WARM_UP).toSeconds() + 5));
        kafka.createTopics(SlowCallWorkload.PARTITIONS, input);
        SlowCallWorkload.load(kafka.bootstrapServers(), input, records, scenario.hotShare());
        return input;
    }

    /** Runs one contender on the scenario's backlog for the measured span, after its first output and a warm-up. */
    Result run(Scenario scenario, String input, String name, SlowCallWorkload.Contender contender, Duration measured)
            throws Exception {
        int run = runs.incrementAndGet();
        String output = "slow-calls-out-" + run;
        kafka.createTopics(SlowCallWorkload.PARTITIONS, output);
        long outputs;
        double perSecond;
        String figures;
        SlowCallWorkload.Running running = contender.start(kafka.bootstrapServers(), "slow-calls-" + run, input, output,
                scenario.latency());
        try (Admin admin = kafka.admin()) {
            long deadline = System.nanoTime() + FIRST_OUTPUT_TIMEOUT.toNanos();
            while (written(admin, output) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " wrote nothing within " + FIRST_OUTPUT_TIMEOUT);
                }
                pause(Duration.ofMillis(50));
            }
            pause(WARM_UP);
            long before = written(admin, output);
            long start = System.nanoTime();
            String cpu;
            try (CpuLoad load = CpuLoad.start()) {
                pause(measured);
                cpu = load.summary();
            }
            outputs = written(admin, output) - before;
            perSecond = outputs * 1e9 / (System.nanoTime() - start);
            figures = (cpu + "   " + running.figures()).strip();
        } finally {
            running.stop();
        }
        return new Result(scenario.name(), name, perSecond, outputs, keysOutOfOrder(kafka.readAll(output)),
                figures);
    }

    /**
     * Runs one contender over the first {@code records} of {@code input} (the smoke mode): until
     * its output holds as many, then stops it, and returns its output.
     */
    List<ConsumerRecord<String, String>> runThrough(String input, long records, SlowCallWorkload.Contender contender,
            Duration latency) throws Exception {
        int run = runs.incrementAndGet();
        String output = "slow-calls-out-" + run;
        kafka.createTopics(SlowCallWorkload.PARTITIONS, output);
        SlowCallWorkload.Running running = contender.start(kafka.bootstrapServers(), "slow-calls-" + run, input, output,
                latency);
        try (Admin admin = kafka.admin()) {
            long deadline = System.nanoTime() + FIRST_OUTPUT_TIMEOUT.toNanos();
            while (written(admin, output) < records) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("wrote " + written(admin, output) + " of " + records + " within "
                            + FIRST_OUTPUT_TIMEOUT);
                }
                pause(Duration.ofMillis(50));
            }
        } finally {
            running.stop();
        }
        return kafka.readAll(output);
    }

    /** The records written to {@code topic} so far: the sum of its partitions' end offsets. */
    private static long written(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        for (int partition = 0; partition < SlowCallWorkload.PARTITIONS; partition++) {
            ends.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
        long sum = 0;
        for (var end : admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).values()) {
            sum += end.offset();
        }
        return sum;
    }

    /** The keys whose outputs are not in their input order (a sequence number not above the one before). */
    static int keysOutOfOrder(List<ConsumerRecord<String, String>> outputs) {
        Map<String, Long> last = new HashMap<>();
        List<String> outOfOrder = new ArrayList<>();
        for (ConsumerRecord<String, String> record : outputs) {
            long sequence = Long.parseLong(record.value().substring(record.value().indexOf(';') + 1));
            Long before = last.put(record.key(), sequence);
            if (before != null && sequence <= before && !outOfOrder.contains(record.key())) {
                outOfOrder.add(record.key());
            }
        }
        return outOfOrder.size();
    }

    private static void pause(Duration duration) throws InterruptedException {
        new CountDownLatch(1).await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }
}
