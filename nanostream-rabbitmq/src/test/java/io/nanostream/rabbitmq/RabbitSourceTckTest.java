package io.nanostream.rabbitmq;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import io.nanostream.testkit.tck.SourceVerification;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Flow;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link RabbitSource} against the Reactive Streams TCK, each source reading a queue of
 * its own that holds as many messages as the TCK asks for, with {@code maxMessages} so that it
 * completes after them. The queues expire a minute after their last use.
 */
public class RabbitSourceTckTest extends SourceVerification<RabbitMessage> {

    private Rabbit rabbit;

    @BeforeClass
    public void connect() throws Exception {
        rabbit = Rabbit.connectForTck();
    }

    @AfterClass
    public void close() throws IOException {
        if (rabbit != null) {
            rabbit.close();
        }
    }

    @Override
    protected AbstractSource<RabbitMessage> createSource(long elements) {
        try {
            String queue = rabbit.queue("tck", Map.of("x-expires", 60_000));
            rabbit.publish(queue, Rabbit.bodies("m", (int) elements));
            return RabbitSource.builder(Rabbit.factory()).queues(queue).maxMessages(elements).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Flow.Publisher<RabbitMessage> createFailedFlowPublisher() {
        return Standalone.start(RabbitSource.builder(Rabbit.factory()).queues("tck")
                .connector((factory, name) -> {
                    throw new IOException("no broker, on purpose");
                })
                .build());
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1_024; // the messages are published up front; the TCK skips what needs more
    }
}
