package io.nanostream.rabbitmq;

import io.nanostream.flow.AbstractSink;
import io.nanostream.testkit.tck.SinkVerification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link RabbitSink} against the Reactive Streams TCK, black-box (it is final), every
 * sink publishing to one queue that expires a minute after its last use.
 */
public class RabbitSinkTckTest extends SinkVerification<Integer> {

    private Rabbit rabbit;
    private String queue;

    @BeforeClass
    public void connect() throws Exception {
        rabbit = Rabbit.connectForTck();
        queue = rabbit.queue("tck-out", Map.of("x-expires", 60_000));
    }

    @AfterClass
    public void close() throws IOException {
        if (rabbit != null) {
            rabbit.close();
        }
    }

    @Override
    protected AbstractSink<Integer> createSink() {
        return RabbitSink.builder(Rabbit.factory())
                .toQueue(queue, (Integer i) -> String.valueOf(i).getBytes(StandardCharsets.UTF_8))
                .build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
