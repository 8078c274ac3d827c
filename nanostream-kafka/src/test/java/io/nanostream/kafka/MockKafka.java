package io.nanostream.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A {@link KafkaSource} over kafka-clients' {@code MockConsumer}: the test adds records, moves
 * partitions in and out, and reads what was committed. Every change runs inside the source's next
 * poll, on its own thread, as with a real consumer.
 */
final class MockKafka {

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** The last offset committed per partition, kept even for partitions no longer assigned. */
    private final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();
    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback);
            offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
        }
    };
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();

    KafkaSource.Builder<String, String> source(String... topics) {
        return KafkaSource.builder(Map.of("group.id", "test"), new StringDeserializer(), new StringDeserializer())
                .topics(topics)
                .commitEvery(1, Duration.ofHours(1))
                .consumerFactory(config -> consumer);
    }

    /** Assigns exactly these partitions, as a rebalance would, and waits until the source saw it. */
    MockKafka assign(TopicPartition... partitions) {
        onPoll(() -> {
            Map<TopicPartition, Long> beginnings = new HashMap<>();
            for (TopicPartition partition : partitions) {
                beginnings.put(partition, 0L);
            }
            consumer.updateBeginningOffsets(beginnings);
            consumer.rebalance(List.of(partitions));
        });
        return this;
    }

    /** Adds string records with the given values to a partition, at the next offsets. */
    MockKafka add(TopicPartition partition, String... values) {
        onPoll(() -> {
            for (String value : values) {
                long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
                consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null,
                        value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
            }
        });
        return this;
    }

    /** Adds a record whose value is these bytes. */
    MockKafka addBytes(TopicPartition partition, byte[] value) {
        onPoll(() -> {
            long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null, value));
        });
        return this;
    }

    /** Runs a change inside the consumer's next poll and waits until it ran. */
    void onPoll(Runnable change) {
        var ran = new CountDownLatch(1);
        consumer.schedulePollTask(() -> {
            change.run();
            ran.countDown();
        });
        try {
            if (!ran.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the source did not poll within " + TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The offset last committed for a partition, or -1. */
    long committed(TopicPartition partition) {
        return commits.getOrDefault(partition, -1L);
    }

    void awaitCommitted(TopicPartition partition, long offset) {
        await(() -> committed(partition) == offset,
                () -> "committed offset " + offset + " of " + partition + "; it is " + committed(partition));
    }

    static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
