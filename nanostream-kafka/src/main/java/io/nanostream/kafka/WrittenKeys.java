package io.nanostream.kafka;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The record keys a topic holds, from {@code lookback} before its last record on, and those sent
 * since: what {@link KafkaSink.Builder#oncePerKey} checks before it sends. A topic's keys are read
 * when the sink first writes to it, and read on to the topic's end before a key not known yet is
 * written if the pipeline's sources were assigned partitions since the last read: a key another
 * instance wrote before a partition moved here is then known too. Used by the sink's thread only.
 */
final class WrittenKeys implements AutoCloseable {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final System.Logger LOG = System.getLogger(WrittenKeys.class.getName());

    private final Map<String, Object> consumerConfig;
    private final long lookbackMillis;
    /** Per topic: its keys, and a consumer that reads on where the first read ended. */
    private final Map<String, Tail> byTopic = new HashMap<>();

    /** A topic's keys, each with when it was written or read, oldest first, and where they were read to. */
    private static final class Tail {
        final String topic;
        final Consumer<byte[], byte[]> consumer;
        final List<TopicPartition> partitions = new ArrayList<>();
        final LinkedHashMap<ByteBuffer, Long> keys = new LinkedHashMap<>();
        /** The partitions the pipeline's sources were assigned when the topic was last read. */
        long assignedWhenRead;

        Tail(String topic, Consumer<byte[], byte[]> consumer) {
            this.topic = topic;
            this.consumer = consumer;
        }

        /** Looks the topic's partitions up; returns those added since the last look. */
        List<TopicPartition> lookUpPartitions() {
            List<TopicPartition> added = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, READ_TIMEOUT)) {
                TopicPartition partition = new TopicPartition(topic, info.partition());
                if (!partitions.contains(partition)) {
                    added.add(partition);
                }
            }
            partitions.addAll(added);
            return added;
        }

        /** Reads the records written since the last read, to the topic's end as of now; a new partition from its start. */
        void catchUp() {
            List<TopicPartition> added = lookUpPartitions();
            if (!added.isEmpty()) {
                consumer.assign(partitions);
                consumer.seekToBeginning(added);
            }
            readToEnd(consumer, consumer.endOffsets(partitions, READ_TIMEOUT), keys, System.currentTimeMillis());
        }
    }

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
     * then returns false. {@code assigned} tells how many partitions the pipeline's sources were
     * assigned so far, asked only for a key not known: if it changed since the topic was last
     * read, the topic is read on first, for a partition that moved here may have had its results
     * written by another instance.
     */
    boolean add(String topic, byte[] key, long nowMillis, LongSupplier assigned) {
        Tail tail = byTopic.computeIfAbsent(topic, this::open);
        LinkedHashMap<ByteBuffer, Long> keys = tail.keys;
        ByteBuffer wrapped = ByteBuffer.wrap(key);
        if (!keys.containsKey(wrapped)) {
            long now = assigned.getAsLong();
            if (tail.assignedWhenRead != now) {
                tail.assignedWhenRead = now; // before the read: an assignment during it is read for again
                catchUp(tail);
            }
        }
        if (keys.putIfAbsent(wrapped, nowMillis) != null) {
            return false;
        }
        forgetBefore(keys, nowMillis - lookbackMillis);
        return true;
    }

    /** A send of {@code key} failed: it may be written again. */
    void remove(String topic, byte[] key) {
        Tail tail = byTopic.get(topic);
        if (tail != null) {
            tail.keys.remove(ByteBuffer.wrap(key));
        }
    }

    private static void catchUp(Tail tail) {
        try {
            tail.catchUp();
        } catch (InterruptException e) {
            throw e; // a stop, not a failure to read
        } catch (KafkaException e) {
            throw new KafkaException("could not read what was written to topic " + tail.topic + " since this sink last"
                    + " looked, which oncePerKey needs before it writes a key there: " + e.getMessage(), e);
        }
    }

    /** Closes the consumers that read the topics. */
    @Override
    public void close() {
        for (Tail tail : byTopic.values()) {
            try {
                tail.consumer.close(CloseOptions.timeout(Duration.ZERO));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, () -> "could not close the reader of topic " + tail.topic + ": " + e);
            }
        }
        byTopic.clear();
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
        byTopic.computeIfAbsent(topic, this::open);
    }

    /**
     * Reads the keys of a topic's records from {@code lookback} before each partition's last one,
     * with a consumer kept open to read on from there.
     */
    private Tail open(String topic) {
        Tail tail = new Tail(topic, new KafkaConsumer<>(consumerConfig));
        try {
            read(tail);
        } catch (RuntimeException e) {
            tail.consumer.close(CloseOptions.timeout(Duration.ZERO));
            if (e instanceof InterruptException || !(e instanceof KafkaException)) {
                throw e;
            }
            throw new KafkaException("could not read the keys already written to topic " + topic + ", which oncePerKey"
                    + " needs before it writes there: " + e.getMessage(), e);
        }
        return tail;
    }

    private void read(Tail tail) {
        Consumer<byte[], byte[]> consumer = tail.consumer;
        List<TopicPartition> partitions = tail.partitions;
        tail.lookUpPartitions();
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
        // kept for a lookback from now, not from when they were written: after a downtime longer
        // than the lookback, a replay may still compute them again
        readToEnd(consumer, ends, tail.keys, System.currentTimeMillis());
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

    /** Reads to {@code ends}, noting each key not known yet as seen at {@code nowMillis}. */
    private static void readToEnd(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends,
            Map<ByteBuffer, Long> keys, long nowMillis) {
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (!reached(consumer, ends) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.key() != null) {
                    keys.putIfAbsent(ByteBuffer.wrap(record.key()), nowMillis);
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
