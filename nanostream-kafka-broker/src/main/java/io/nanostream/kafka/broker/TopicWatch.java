package io.nanostream.kafka.broker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic as it grows, without a consumer group, to learn the moment the broker has a new
 * record: a record is readable once the broker acknowledged it to its producer. A crash test kills
 * a pipeline right then, before the pipeline hears of the acknowledgement.
 *
 * <pre>{@code
 * try (TopicWatch output = TopicWatch.of(kafka, "totals")) {
 *     Process pipeline = EmbeddedKafka.java("com.example.Etl", kafka.bootstrapServers()).start();
 *     output.awaitNext(Duration.ofSeconds(60));
 *     pipeline.destroyForcibly(); // SIGKILL, right after an output record was acknowledged
 * }
 * }</pre>
 */
public final class TopicWatch implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;

    private TopicWatch(EmbeddedKafka broker, String topic, String isolation) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toList());
        consumer.assign(partitions);
        skipToEnd();
    }

    /**
     * Starts watching a topic from its end.
     *
     * @param broker the broker
     * @param topic the topic, which must exist
     * @return a watch; close it after use
     */
    public static TopicWatch of(EmbeddedKafka broker, String topic) {
        return new TopicWatch(broker, topic, "read_uncommitted");
    }

    /**
     * Starts watching a topic from its end for committed records: a record written in a
     * transaction is readable once the transaction committed, so {@link #awaitNext} returns right
     * after a commit that wrote to the topic.
     *
     * @param broker the broker
     * @param topic the topic, which must exist
     * @return a watch; close it after use
     */
    public static TopicWatch ofCommitted(EmbeddedKafka broker, String topic) {
        return new TopicWatch(broker, topic, "read_committed");
    }

    /** Forgets the records so far: {@link #awaitNext} waits for one written after this call. */
    public void skipToEnd() {
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /**
     * Waits for the next record, polling every millisecond.
     *
     * @param timeout how long to wait
     * @throws AssertionError if no record came in time
     */
    public void awaitNext(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!consumer.poll(Duration.ofMillis(1)).isEmpty()) {
                return;
            }
        }
        throw new AssertionError("no new record within " + timeout);
    }

    /**
     * Reads on for a while, and returns: the time a test lets a pipeline run before it acts.
     *
     * @param duration how long
     */
    public void follow(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(10));
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
