package io.nanostream.testkit.kafka;

import io.nanostream.kafka.KafkaSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Tests a pipeline that reads Kafka without a broker: {@link #source} builds a
 * {@link KafkaSource} over kafka-clients' {@code MockConsumer}, and the test
 *
 * <ol>
 *   <li>{@linkplain #assign assigns} partitions, as a rebalance would (and moves them later,
 *       to test revocation);</li>
 *   <li>{@linkplain #add adds} records;</li>
 *   <li>reads what the source {@linkplain #committed committed}, or
 *       {@linkplain #awaitCommitted waits} for a commit.</li>
 * </ol>
 *
 * Every change runs inside the source's next poll, on the source's own thread, as with a real
 * consumer, and the call returns once it ran.
 *
 * <pre>{@code
 * var kafka = new InMemoryKafka();
 * var source = kafka.source(new StringDeserializer(), new StringDeserializer(), "orders").build();
 * // ... subscribe steps and a sink, start the pipeline ...
 * var orders = new TopicPartition("orders", 0);
 * kafka.assign(orders).add(orders, "a", "b", "c");
 * kafka.awaitCommitted(orders, 3, Duration.ofSeconds(10)); // all three fully processed
 * }</pre>
 */
public final class InMemoryKafka {

    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(20);

    /** The last offset committed per partition, kept for partitions no longer assigned too. */
    private final Map<TopicPartition, OffsetAndMetadata> commits = new ConcurrentHashMap<>();
    /** Every record added, per partition, at its offset: what a partition's new owner reads again. */
    private final Map<TopicPartition, List<byte[]>> log = new HashMap<>();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            commits.putAll(offsets);
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback);
            commits.putAll(offsets);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
                Duration timeout) {
            Map<TopicPartition, OffsetAndMetadata> found = new HashMap<>();
            for (TopicPartition partition : partitions) {
                if (commits.containsKey(partition)) {
                    found.put(partition, commits.get(partition));
                }
            }
            return found;
        }
    };

    /** Creates an empty in-memory Kafka: no partitions, no records. */
    public InMemoryKafka() {
    }

    /**
     * Starts building a source that reads these topics from this in-memory Kafka. It commits
     * after every processed record; for another cadence, build the source yourself with
     * {@link #consumerFactory()}.
     *
     * @param keyDeserializer turns key bytes into keys
     * @param valueDeserializer turns value bytes into values
     * @param topics the topics to read
     * @param <K> the type of keys
     * @param <V> the type of values
     * @return a source builder
     */
    public <K, V> KafkaSource.Builder<K, V> source(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
            String... topics) {
        return KafkaSource.builder(Map.of("group.id", "in-memory"), keyDeserializer, valueDeserializer)
                .topics(topics)
                .commitEvery(1, Duration.ofHours(1))
                .consumerFactory(consumerFactory());
    }

    /**
     * Returns what makes this in-memory Kafka's consumer, for a source built by hand.
     *
     * <pre>{@code
     * var source = KafkaSource.builder(Map.of("group.id", "orders"), keys, values)
     *         .topics("orders")
     *         .commitEvery(1_000, Duration.ofSeconds(5))
     *         .consumerFactory(kafka.consumerFactory())
     *         .build();
     * }</pre>
     *
     * @return the factory to pass to {@link KafkaSource.Builder#consumerFactory}
     */
    public Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory() {
        return config -> consumer;
    }

    /**
     * Assigns exactly these partitions, as a rebalance would: the source hears of the ones it
     * loses, then of the ones it gains. A partition it gains is read from its committed offset
     * (or where the source seeks to), records added before included; a new partition from offset 0.
     *
     * @param partitions the new assignment
     * @return this
     * @throws AssertionError if the source does not poll within 20 seconds
     */
    public InMemoryKafka assign(TopicPartition... partitions) {
        onPoll(() -> {
            Map<TopicPartition, Long> beginnings = new HashMap<>();
            for (TopicPartition partition : partitions) {
                beginnings.put(partition, 0L);
            }
            consumer.updateBeginningOffsets(beginnings);
            updateEnds(partitions);
            Set<TopicPartition> before = new HashSet<>(consumer.assignment());
            consumer.rebalance(List.of(partitions));
            for (TopicPartition partition : partitions) {
                if (!before.contains(partition)) {
                    List<byte[]> records = log.getOrDefault(partition, List.of());
                    for (long offset = consumer.position(partition); offset < records.size(); offset++) {
                        addRecord(partition, offset, records.get((int) offset));
                    }
                }
            }
        });
        return this;
    }

    /**
     * Adds records with these values (UTF-8) and no key to a partition, at its next offsets; the
     * source reads them now if the partition is assigned to it, else once it is.
     *
     * @param partition the partition
     * @param values the values; null for a tombstone
     * @return this
     * @throws AssertionError if the source does not poll within 20 seconds
     */
    public InMemoryKafka add(TopicPartition partition, String... values) {
        byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        return addBytes(partition, bytes);
    }

    /**
     * Adds records with these values and no key to a partition, at its next offsets; the source
     * reads them now if the partition is assigned to it, else once it is.
     *
     * @param partition the partition
     * @param values the values, as bytes
     * @return this
     * @throws AssertionError if the source does not poll within 20 seconds
     */
    public InMemoryKafka addBytes(TopicPartition partition, byte[]... values) {
        Objects.requireNonNull(partition, "partition must not be null");
        onPoll(() -> {
            List<byte[]> records = log.computeIfAbsent(partition, p -> new ArrayList<>());
            boolean assigned = consumer.assignment().contains(partition);
            for (byte[] value : values) {
                records.add(value);
                if (assigned) {
                    addRecord(partition, records.size() - 1, value);
                }
            }
            updateEnds(partition);
        });
        return this;
    }

    /**
     * Returns the offset last committed for a partition (the next to read), or -1 if none.
     *
     * @param partition the partition
     * @return the committed offset, or -1
     */
    public long committed(TopicPartition partition) {
        OffsetAndMetadata commit = commits.get(partition);
        return commit != null ? commit.offset() : -1;
    }

    /**
     * Waits until {@code offset} is committed for a partition.
     *
     * @param partition the partition
     * @param offset the offset expected
     * @param timeout how long to wait
     * @throws AssertionError on timeout, saying what was committed
     */
    public void awaitCommitted(TopicPartition partition, long offset, Duration timeout) {
        await(() -> committed(partition) == offset, timeout,
                () -> "committed offset " + offset + " of " + partition + "; it is " + committed(partition));
    }

    /**
     * Returns the partitions the source has paused (it pauses all while its buffer is full).
     *
     * @return the paused partitions
     */
    public Set<TopicPartition> paused() {
        return consumer.paused();
    }

    /**
     * Tells whether the source has closed its consumer.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return consumer.closed();
    }

    /** Tells the consumer the partitions' end offsets: how many records each holds. */
    private void updateEnds(TopicPartition... partitions) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (TopicPartition partition : partitions) {
            ends.put(partition, (long) log.getOrDefault(partition, List.of()).size());
        }
        consumer.updateEndOffsets(ends);
    }

        private void addRecord(TopicPartition partition, long offset, byte[] value) {
        consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null, value));
    }

    /** Runs a change inside the consumer's next poll and waits until it ran. */
    private void onPoll(Runnable change) {
        var ran = new CountDownLatch(1);
        consumer.schedulePollTask(() -> {
            change.run();
            ran.countDown();
        });
        try {
            if (!ran.await(POLL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the source did not poll within " + POLL_TIMEOUT + "; is its pipeline started?");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the source to poll", e);
        }
    }

    /** Waits until {@code condition} holds, checking every millisecond; fails saying {@code what} on timeout. */
    static void await(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
