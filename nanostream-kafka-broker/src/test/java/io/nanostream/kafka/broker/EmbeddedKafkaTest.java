package io.nanostream.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The embedded broker serves what is produced, and leaves nothing behind once closed. */
class EmbeddedKafkaTest {

    @Test
    void producedRecordsCanBeReadBack() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.shared();
        broker.createTopics(1, "broker-check");

        broker.produce(List.of(new ProducerRecord<>("broker-check", "k", "hello")));

        assertEquals(List.of("hello"), broker.readValues("broker-check", 1, Duration.ofSeconds(30)));
    }

    @Test
    void closeDeletesTheBrokersDirectory() throws Exception {
        Path directory;
        try (EmbeddedKafka broker = EmbeddedKafka.start()) {
            directory = broker.directory();
            broker.createTopics(1, "written");
            broker.produce(List.of(new ProducerRecord<>("written", "k", "data on disk")));
            assertTrue(Files.isDirectory(directory.resolve("data")), "the broker keeps its data there");
        }

        assertFalse(Files.exists(directory), directory + " is deleted");
    }
}
