package io.nanostream.rabbitmq;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/** What the tests against the RabbitMQ server share: a connection for the test's own queues. */
@Timeout(120)
abstract class RabbitTestBase {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    Rabbit rabbit;

    @BeforeEach
    void connect() throws Exception {
        rabbit = Rabbit.connect();
    }

    @AfterEach
    void close() throws Exception {
        rabbit.close();
    }
}
