package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.kafka.broker.EmbeddedKafka;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@link KafkaSink.Builder#oncePerKey} against a real broker: the first write of a key wins, across restarts. */
class KafkaSinkOncePerKeyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private EmbeddedKafka broker;
    private final String topic = "totals-" + UUID.randomUUID().toString().substring(0, 8);

    @org.junit.jupiter.api.BeforeEach
    void broker() throws Exception {
        broker = EmbeddedKafka.shared();
    }

    /** Writes "key=value" items to the topic through a sink that writes each key once, as one run of a pipeline. */
    private void run(String... items) throws Exception {
        var source = InMemorySource.of(items);
        source.subscribe(oncePerKey());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        assertEquals(new java.util.TreeSet<>(List.of(items)), new java.util.TreeSet<>(source.awaitAllAcknowledged(TIMEOUT)),
                "every item is acknowledged, written or not");
    }

    /** A sink of "key=value" items to the topic that writes each key once. */
    private KafkaSink<String> oncePerKey() {
        return KafkaSink.builder(Map.of("bootstrap.servers", broker.bootstrapServers()),
                        new StringSerializer(), new StringSerializer())
                .topic(topic, (String item) -> item.split("=")[0], item -> item.split("=")[1])
                .oncePerKey(Duration.ofMinutes(1))
                .build();
    }

    private List<String> written() {
        return broker.readAll(topic).stream().map(record -> record.key() + "=" + record.value())
                .collect(Collectors.toList());
    }

    @Test
    void aKeyTheTopicHoldsIsNotWrittenAgainInThisRunOrTheNext() throws Exception {
        broker.createTopics(3, topic);
        broker.produce(List.of(new ProducerRecord<>(topic, "a", "1"), new ProducerRecord<>(topic, "b", "1")));

        run("a=2", "c=3", "c=4", "d=5");
        run("c=9", "e=1", "a=7");

        Map<String, String> byKey = new TreeMap<>();
        List<String> written = written();
        for (ConsumerRecord<String, String> record : broker.readAll(topic)) {
            byKey.put(record.key(), record.value());
        }
        assertEquals(5, written.size(), "one record per key: " + written);
        assertEquals(Map.of("a", "1", "b", "1", "c", "3", "d", "5", "e", "1"), byKey);
    }

    /**
     * Another instance of the group wrote the key after this sink started, and then a rebalance
     * moved the partition the key is computed from here.
     */
    @Test
    void aKeyAnotherInstanceWroteBeforeAPartitionMovedHereIsNotWrittenAgain() throws Exception {
        broker.createTopics(3, topic);
        InMemorySource<String> source = InMemorySource.manual();
        source.subscribe(oncePerKey());
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        source.onAcknowledged(item -> first.countDown());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push("a=1");
            assertTrue(first.await(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "a=1 written");

            broker.produce(List.of(new ProducerRecord<>(topic, "b", "from the other instance")));
            source.announcePartitions("input-0").push("b=2").push("c=3").complete();
            pipeline.await(TIMEOUT);
        }

        assertEquals(List.of("a=1", "b=from the other instance", "c=3"), written().stream().sorted().toList());
        assertEquals(List.of("a=1", "b=2", "c=3"), source.awaitAllAcknowledged(TIMEOUT).stream().sorted().toList());
    }

    @Test
    void aRecordWithoutAKeyFailsNamingTheSink() throws Exception {
        broker.createTopics(1, topic);
        var source = InMemorySource.of("x");
        KafkaSink<String> sink = KafkaSink.builder(Map.of("bootstrap.servers",
                        broker.bootstrapServers()), new StringSerializer(), new StringSerializer())
                .topic(topic, (String item) -> null, item -> item)
                .oncePerKey(Duration.ofMinutes(1))
                .build();
        source.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            var failure = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("has no key"), failure.getMessage());
        }
    }
}
