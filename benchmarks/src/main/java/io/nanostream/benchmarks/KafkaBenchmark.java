package io.nanostream.benchmarks;

import io.nanostream.kafka.broker.EmbeddedKafka;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 3: records per second from three topics through parse and filter to an output
 * topic, at least once, on a real broker ({@link EmbeddedKafka}, the integration tests' broker):
 * nanostream against a hand-written consume, transform, produce loop that commits only after the
 * producer acknowledged; and nanostream exactly-once ({@code KafkaSource.Builder.exactlyOnce}),
 * its outputs and offsets committed in transactions. Each invocation reads all 1 M records under a
 * new consumer group.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class KafkaBenchmark {

    static final int RECORDS = 1_000_000;

    private final AtomicInteger groups = new AtomicInteger();
    private EmbeddedKafka kafka;

    @Setup(Level.Trial)
    public void startBroker() throws Exception {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(3, KafkaWorkload.INPUTS.toArray(new String[0]));
        kafka.createTopics(3, KafkaWorkload.OUTPUT);
        KafkaWorkload.load(kafka.bootstrapServers(), RECORDS);
    }

    @TearDown(Level.Trial)
    public void stopBroker() {
        kafka.close();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void nanostream() throws Exception {
        KafkaWorkload.nanostream(kafka.bootstrapServers(), "nanostream-" + groups.incrementAndGet(), RECORDS);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void nanostreamExactlyOnce() throws Exception {
        KafkaWorkload.nanostreamExactlyOnce(kafka.bootstrapServers(), "exactly-once-" + groups.incrementAndGet(), RECORDS);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void rawLoop() {
        KafkaWorkload.rawLoop(kafka.bootstrapServers(), "raw-" + groups.incrementAndGet(), RECORDS);
    }
}
