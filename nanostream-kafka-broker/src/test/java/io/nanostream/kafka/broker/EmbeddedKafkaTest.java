package io.nanostream.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The embedded broker serves: what is produced can be read back. */
class EmbeddedKafkaTest {

    @Test
    void producedRecordsCanBeReadBack() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.shared();
        broker.createTopics(1, "broker-check");

        broker.produce(List.of(new ProducerRecord<>("broker-check", "k", "hello")));

        assertEquals(List.of("hello"), broker.readValues("broker-check", 1, Duration.ofSeconds(30)));
    }
}
