package io.nanostream.testkit.kafka;

import io.nanostream.flow.internal.Standalone;
import io.nanostream.kafka.KafkaRecord;
import io.nanostream.kafka.KafkaSource;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.stream.LongStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * Verifies {@link KafkaSource} against the Reactive Streams TCK, reading a partition of an
 * {@link InMemoryKafka} that holds as many records as the TCK asks for, with
 * {@code maxRecords} so that it completes after them.
 */
public class KafkaSourceTckTest extends FlowPublisherVerification<KafkaRecord<String, String>> {

    private static final TopicPartition PARTITION = new TopicPartition("tck", 0);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    public KafkaSourceTckTest() {
        super(new TestEnvironment(1000, 100), 2000);
    }

    @AfterClass
    public void releaseThreads() {
        threads.shutdownNow();
    }

    @Override
    public Flow.Publisher<KafkaRecord<String, String>> createFlowPublisher(long elements) {
        var kafka = new InMemoryKafka();
        var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "tck")
                .maxRecords(elements)
                .stopTimeout(Duration.ofSeconds(1))
                .build();
        Standalone.run(source, threads);
        if (elements > 0) { // with none to take, the source ends without polling
            kafka.assign(PARTITION)
                    .add(PARTITION, LongStream.range(0, elements).mapToObj(String::valueOf).toArray(String[]::new));
        }
        return source;
    }

    @Override
    public Flow.Publisher<KafkaRecord<String, String>> createFailedFlowPublisher() {
        var source = new InMemoryKafka().source(new StringDeserializer(), new StringDeserializer(), "tck")
                .consumerFactory(config -> {
                    throw new IllegalStateException("no broker, on purpose");
                })
                .build();
        Standalone.run(source, threads);
        return source;
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1_024; // the records are made up front; the TCK skips what needs more
    }
}
