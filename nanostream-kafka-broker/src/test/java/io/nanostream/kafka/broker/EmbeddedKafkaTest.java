package io.nanostream.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
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

    /**
     * KAFKA-15591: a write to a partition whose leader has not opened its log yet is refused and
     * retried, and an idempotent producer with several requests in flight can then spin on its
     * retry until it expires. After {@code createTopics}, no write is refused.
     */
    @Test
    void recordsWrittenRightAfterCreationAreNeverRefused() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.shared();
        Map<String, Object> settings = Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0,
                "max.in.flight.requests.per.connection", 5);
        try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
            for (int round = 0; round < 5; round++) {
                String topic = "fresh-" + round;
                broker.createTopics(12, topic);
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    sends.add(producer.send(new ProducerRecord<>(topic, i % 12, "k" + i, "v" + i)));
                }
                for (Future<RecordMetadata> send : sends) {
                    send.get(60, TimeUnit.SECONDS);
                }
            }
            double retries = producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("record-retry-total") && e.getKey().group().equals("producer-metrics"))
                    .mapToDouble(e -> (Double) e.getValue().metricValue()).sum();
            assertEquals(0.0, retries, "records the broker refused and the producer sent again");
        }
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

    /**
     * A broker started by a program stops when the program's JVM exits, even by SIGKILL: no broker
     * is left behind by a crashed test or a demo stopped at the wrong moment.
     */
    @Test
    void aBrokerStopsWhenTheJvmThatStartedItIsKilled() throws Exception {
        Process program = EmbeddedKafka.java(StartsABroker.class.getName()).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(program.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); !"serving".equals(line); line = out.readLine()) {
                assertTrue(line != null, "the program ended before its broker served");
            }
            List<ProcessHandle> broker = program.descendants().toList();
            assertFalse(broker.isEmpty(), "the broker runs as a child process");
            program.destroyForcibly().waitFor(); // SIGKILL: no hook of the program runs

            for (ProcessHandle process : broker) {
                process.onExit().get(60, TimeUnit.SECONDS);
                assertFalse(process.isAlive(), "broker process " + process.pid() + " still runs");
            }
        } finally {
            program.destroyForcibly();
        }
    }

    /** Starts a broker, says so, and waits to be killed. */
    static final class StartsABroker {
        public static void main(String[] args) throws Exception {
            EmbeddedKafka.start(); // never closed
            System.out.println("serving");
            System.out.flush();
            new java.util.concurrent.CountDownLatch(1).await();
        }
    }
}
