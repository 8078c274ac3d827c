package io.nanostream.kafka;

import java.util.Map;
import java.util.concurrent.Flow;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;

/**
 * Verifies {@link KafkaSink} against the Reactive Streams TCK, black-box (it is final), writing
 * to a {@code MockProducer} that acknowledges every send at once.
 */
public class KafkaSinkTckTest extends FlowSubscriberBlackboxVerification<Integer> {

    public KafkaSinkTckTest() {
        super(new TestEnvironment(1000, 100));
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        return KafkaSink.<Integer, String, String>builder(Map.of("bootstrap.servers", "unused"), new StringSerializer(),
                        new StringSerializer())
                .topic("tck", item -> null, String::valueOf)
                .producerFactory(config -> new MockProducer<>(true, null, new StringSerializer(), new StringSerializer()))
                .build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
