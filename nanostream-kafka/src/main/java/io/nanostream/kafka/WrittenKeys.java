package io.nanostream.kafka;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The record keys a topic holds, from {@code lookback} before its last record on, and those sent
 * since: what {@link KafkaSink.Builder#oncePerKey} checks before it sends. A topic's keys are read
 * when the sink first writes to it. Used by the sink's thread only.
 */
final class WrittenKeys {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> consumerConfig;
    private final long lookbackMillis;
    /** Per topic: each key and when it was written, oldest first. */
    private final Map<String, LinkedHashMap<ByteBuffer, Long>> byTopic = new HashMap<>();

    WrittenKeys(Map<String, Object> producerConfig, Duration lookback) {
        this.lookbackMillis = lookback.toMillis();
        this.consumerConfig = new HashMap<>();
        producerConfig.forEach((key, value) -> {
            if (key.equals("bootstrap.servers") || key.equals("client.dns.lookup") || key.startsWith("security.")
                    || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                consumerConfig.put(key, value);
            }
        });
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }

    /**
     * Notes {@code key} as written to {@code topic} at {@code nowMillis}, unless it was already:
     * then returns false.
     */
    boolean add(String topic, byte[] key, long nowMillis) {
        LinkedHashMap<ByteBuffer, Long> keys = byTopic.computeIfAbsent(topic, this::keysOf);
        if (keys.putIfAbsent(ByteBuffer.wrap(key), nowMillis) != null) {
            return false;
        }
        forgetBefore(keys, nowMillis - lookbackMillis);
        return true;
    }

    /** A send of {@code key} failed: it may be written again. */
    void remove(String topic, byte[] key) {
        LinkedHashMap<ByteBuffer, Long> keys = byTopic.get(topic);
        if (keys != null) {
            keys.remove(ByteBuffer.wrap(key));
        }
    }

    private static void forgetBefore(LinkedHashMap<ByteBuffer, Long> keys, long oldest) {
        for (Iterator<Long> written = keys.values().iterator(); written.hasNext(); ) {
            if (written.next() >= oldest) {
                return;
            }
            written.remove();
        }
    }

    /** Reads the keys of a topic, unless read already. */
    void read(String topic) {
        byTopic.computeIfAbsent(topic, this::keysOf);
    }

    /** Reads the keys of a topic's records from {@code lookback} before each partition's last one. */
    private LinkedHashMap<ByteBuffer, Long> keysOf(String topic) {
        LinkedHashMap<ByteBuffer, Long> keys = new LinkedHashMap<>();
        try (Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, READ_TIMEOUT)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, READ_TIMEOUT);
            Map<TopicPartition, Long> from = new HashMap<>();
            for (TopicPartition partition : partitions) {
                from.put(partition, Math.max(0, lastTimestamp(consumer, partition, ends.get(partition)) - lookbackMillis));
            }
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(from, READ_TIMEOUT);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp start = starts.get(partition);
                consumer.seek(partition, start != null ? start.offset() : ends.get(partition));
            }
            readToEnd(consumer, ends, keys);
        } catch (KafkaException e) {
            throw new KafkaException("could not read the keys already written to topic " + topic + ", which oncePerKey"
                    + " needs before it writes there: " + e.getMessage(), e);
        }
        // kept for a lookback from now, not from when they were written: after a downtime longer than
        // the lookback, a replay may still compute them again
        long now = System.currentTimeMillis();
        keys.replaceAll((key, written) -> now);
        return keys;
    }

    /** The timestamp of a partition's last record; now if it has none left to read. */
    private static long lastTimestamp(Consumer<byte[], byte[]> consumer, TopicPartition partition, long end) {
        long last = System.currentTimeMillis();
        if (end <= 0) {
            return last;
        }
        consumer.seek(partition, end - 1);
        Map<TopicPartition, Long> ends = Map.of(partition, end);
        consumer.pause(consumer.assignment());
        consumer.resume(List.of(partition));
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (consumer.position(partition) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                last = record.timestamp();
            }
        }
        consumer.resume(consumer.assignment());
        checkReached(consumer, ends);
        return last;
    }

    private static void readToEnd(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends,
            Map<ByteBuffer, Long> keys) {
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (!reached(consumer, ends) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.key() != null) {
                    keys.put(ByteBuffer.wrap(record.key()), record.timestamp());
                }
            }
        }
        checkReached(consumer, ends);
    }

    private static boolean reached(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static void checkReached(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        if (!reached(consumer, ends)) {
            throw new KafkaException("did not reach the end " + ends + " within " + READ_TIMEOUT);
        }
    }
}
