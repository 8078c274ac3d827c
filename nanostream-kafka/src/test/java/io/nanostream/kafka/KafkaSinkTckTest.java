package io.nanostream.kafka;

import io.nanostream.flow.AbstractSink;
import io.nanostream.testkit.tck.SinkVerification;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Verifies {@link KafkaSink} against the Reactive Streams TCK, black-box (it is final), writing
 * to a {@code MockProducer} that acknowledges every send at once.
 */
public class KafkaSinkTckTest extends SinkVerification<Integer> {

    @Override
    protected AbstractSink<Integer> createSink() {
        return KafkaSink.builder(Map.of("bootstrap.servers", "unused"), new StringSerializer(),
                        new StringSerializer())
                .topic("tck", (Integer item) -> null, String::valueOf)
                .producerFactory(config -> new MockProducer<>(true, null, new StringSerializer(), new StringSerializer()))
                .build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
