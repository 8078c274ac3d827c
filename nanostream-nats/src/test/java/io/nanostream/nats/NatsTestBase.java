package io.nanostream.nats;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/** What the tests against the NATS server share: a connection for the test's own streams. */
@Timeout(120)
abstract class NatsTestBase {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    Jet jet;

    @BeforeEach
    void connect() throws Exception {
        jet = Jet.connect();
    }

    @AfterEach
    void close() throws Exception {
        jet.close();
    }
}
