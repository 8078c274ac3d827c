package io.nanostream.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.kafka.broker.EmbeddedKafka;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The smoke mode: every benchmark's work, run once with small counts, so that `mvn verify` keeps
 * them compiling and correct (each run checks its own result). Full runs are by hand, see
 * docs/BENCHMARKS.md.
 */
class BenchmarksSmokeTest {

    private static final int ITEMS = 20_000;

    @ParameterizedTest
    @ValueSource(ints = {256, 8192})
    void throughputContendersAllSumTheSame(int bufferSize) throws Exception {
        long expected = Chain.expectedSum(ITEMS);

        assertEquals(expected, NanostreamChain.run(ITEMS, bufferSize, false));
        assertEquals(expected, NanostreamChain.run(ITEMS, bufferSize, true));
        assertEquals(expected, RawSubmissionPublisherChain.run(ITEMS, bufferSize));
        assertEquals(expected, ReactorChain.run(ITEMS, bufferSize));
    }

    @Test
    void metricsReadWhileTheChainRunsChangeNothingItComputes() throws Exception {
        assertEquals(Chain.expectedSum(ITEMS), NanostreamChain.run(ITEMS, 256, false, java.time.Duration.ofMillis(1)));
        var release = new java.util.concurrent.CountDownLatch(1);
        try (var idle = MetricsBenchmark.idlePipeline(release)) {
            idle.start();
            assertEquals(5, idle.metrics().nodes().size());
            release.countDown();
        }
    }

    @Test
    void slowSinkTakesEveryItem() throws Exception {
        long peakAboveIdle = MemoryBenchmark.run(ITEMS, 10_000);

        assertTrue(peakAboveIdle < 64L << 20, "peak heap above idle: " + peakAboveIdle + " bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void partitionedLanesSumLikeOne(int lanes) throws Exception {
        assertEquals(Chain.expectedSum(ITEMS), ScaleBenchmark.run(ITEMS, lanes, 100));
    }

    @Test
    void latenciesAreMeasuredForEveryItem() throws Exception {
        double maximum = LatencyBenchmark.maximumRate(ITEMS);
        long[] latencies = LatencyBenchmark.run(ITEMS, maximum / 10);

        assertTrue(Arrays.stream(latencies).allMatch(nanos -> nanos > 0), "every item has a positive latency");
        assertTrue(LatencyBenchmark.percentile(latencies, 0.5) <= LatencyBenchmark.percentile(latencies, 0.99));
    }

    @Test
    @Timeout(300)
    void kafkaContendersWriteEveryLargeOrder() throws Exception {
        int records = 3_000;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(3, KafkaWorkload.INPUTS.toArray(new String[0]));
            kafka.createTopics(3, KafkaWorkload.OUTPUT);
            KafkaWorkload.load(kafka.bootstrapServers(), records);
            long large = KafkaWorkload.expectedOutputs(records);

            KafkaWorkload.nanostream(kafka.bootstrapServers(), "smoke-nanostream", records);
            assertEquals(large, kafka.readAll(KafkaWorkload.OUTPUT).size());

            KafkaWorkload.rawLoop(kafka.bootstrapServers(), "smoke-raw", records);
            assertEquals(2 * large, kafka.readAll(KafkaWorkload.OUTPUT).size());

            KafkaWorkload.nanostreamExactlyOnce(kafka.bootstrapServers(), "smoke-exactly-once", records);
            assertEquals(3 * large, kafka.readAll(KafkaWorkload.OUTPUT).size(), "read_committed");
        }
    }

    @Test
    @Timeout(600)
    void slowCallContendersWriteEveryRecordInTheOrderOfItsKey() throws Exception {
        int records = 1_200;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(SlowCallWorkload.PARTITIONS, "slow-calls-smoke");
            SlowCallWorkload.load(kafka.bootstrapServers(), "slow-calls-smoke", records, 0.2);
            SlowCallBenchmark benchmark = new SlowCallBenchmark(kafka);
            for (var contender : SlowCallBenchmark.contenders().entrySet()) {
                var outputs = benchmark.runThrough("slow-calls-smoke", records, contender.getValue(), Duration.ofMillis(1));
                assertEquals(records, outputs.size(), contender.getKey() + ": every record once");
                assertEquals(0, SlowCallBenchmark.keysOutOfOrder(outputs), contender.getKey() + ": keys out of order");
            }
        }
    }
}
