package io.nanostream.kafka;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import io.nanostream.testkit.kafka.InMemoryKafka;
import io.nanostream.testkit.tck.SourceVerification;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.stream.LongStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Verifies {@link KafkaSource} against the Reactive Streams TCK, reading a partition of an
 * {@link InMemoryKafka} that holds as many records as the TCK asks for, with
 * {@code maxRecords} so that it completes after them.
 */
public class KafkaSourceTckTest extends SourceVerification<KafkaRecord<String, String>> {

    private static final TopicPartition PARTITION = new TopicPartition("tck", 0);

    /** The broker of the source made last: the TCK makes and starts one at a time. */
    private InMemoryKafka kafka;

    @Override
    protected AbstractSource<KafkaRecord<String, String>> createSource(long elements) {
        kafka = new InMemoryKafka();
        return kafka.source(new StringDeserializer(), new StringDeserializer(), "tck")
                .maxRecords(elements)
                .stopTimeout(Duration.ofSeconds(1))
                .build();
    }

    @Override
    public Flow.Publisher<KafkaRecord<String, String>> createFlowPublisher(long elements) {
        Flow.Publisher<KafkaRecord<String, String>> source = super.createFlowPublisher(elements);
        if (elements > 0) { // with none to take, the source ends without polling
            kafka.assign(PARTITION)
                    .add(PARTITION, LongStream.range(0, elements).mapToObj(String::valueOf).toArray(String[]::new));
        }
        return source;
    }

    @Override
    public Flow.Publisher<KafkaRecord<String, String>> createFailedFlowPublisher() {
        var source = KafkaSource.builder(Map.of("group.id", "tck"), new StringDeserializer(), new StringDeserializer())
                .topics("tck")
                .consumerFactory(config -> {
                    throw new IllegalStateException("no broker, on purpose");
                })
                .build();
        return Standalone.start(source);
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1_024; // the records are made up front; the TCK skips what needs more
    }
}
