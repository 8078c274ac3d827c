package io.nanostream.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * What waits for a {@link KafkaSource} to read it, as its consumer knows from its fetches without
 * asking the broker: the backlog (the lag over the assigned partitions, plus records polled and not
 * yet emitted) and the partitions with nothing waiting. Measured by the polling thread every
 * 200 ms; read from any thread.
 *
 * <p>A partition counts as caught up only when the broker, asked at that look, says its end is
 * where the consumer is: the lag the consumer last heard of goes stale while the brokers do not
 * answer (a broker restarting, a network cut), and an outage must not pass for a quiet input. A
 * look asks only about the partitions that seem caught up, with one request, bounded by
 * {@link #CONFIRM_TIMEOUT}; when that fails, none counts as caught up.
 */
final class Waiting {

    private static final long EVERY_NANOS = 200_000_000L;
    /** How long a look waits for the broker to tell the ends of the partitions that seem caught up. */
    static final Duration CONFIRM_TIMEOUT = Duration.ofMillis(500);

    /** Records behind the end of the assigned partitions, and polled but not emitted; -1 unknown. */
    private volatile long backlog = -1;
    /** The partitions with no record waiting, as of the last look; replaced whole. */
    private volatile Set<TopicPartition> caughtUp = Set.of();
    private long lastLook;

    /** The records waiting to be read; -1 until known. */
    long backlog() {
        return backlog;
    }

    /** Whether records of {@code partition} wait, or may: not known to be caught up at the last look. */
    boolean hasWaiting(Object partition) {
        return !caughtUp.contains(partition);
    }

    /** Measures again if the last look is 200 ms old, or {@code now} is true. */
    void measure(Consumer<?, ?> consumer, Collection<ConsumerRecord<byte[], byte[]>> pending, boolean now) {
        long nowNanos = System.nanoTime();
        if (!now && lastLook != 0 && nowNanos - lastLook < EVERY_NANOS) {
            return;
        }
        lastLook = nowNanos;
        Set<TopicPartition> fetched = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : pending) {
            fetched.add(new TopicPartition(record.topic(), record.partition()));
        }
        Set<TopicPartition> caught = new HashSet<>();
        Set<TopicPartition> unread = consumer.paused(); // a paused partition's lag is not followed
        long behind = pending.size();
        boolean known = true;
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(partition);
            if (lag.isEmpty()) {
                known = false; // not fetched yet
                continue;
            }
            behind += lag.getAsLong();
            if (lag.getAsLong() == 0 && !fetched.contains(partition) && !unread.contains(partition)) {
                caught.add(partition);
            }
        }
        caughtUp = caught.isEmpty() ? Set.of() : confirmed(consumer, caught);
        if (known) {
            backlog = behind; // else keep the last figure
        }
    }

    /** Those of {@code caught} whose end the broker, asked now, says the consumer has reached. */
    private static Set<TopicPartition> confirmed(Consumer<?, ?> consumer, Set<TopicPartition> caught) {
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(caught, CONFIRM_TIMEOUT);
        } catch (InterruptException | WakeupException e) {
            throw e; // a stop
        } catch (RuntimeException e) { // a KafkaException, or a mock that knows no ends
            return Set.of(); // the broker does not answer: the lag last heard of may be stale
        }
        Set<TopicPartition> confirmed = new HashSet<>();
        for (TopicPartition partition : caught) {
            Long end = ends.get(partition);
            if (end != null && reached(consumer, partition, end)) {
                confirmed.add(partition);
            }
        }
        return Set.copyOf(confirmed);
    }

    /** Whether the consumer's position is at {@code end}; false while its position is not known (a reset under way). */
    private static boolean reached(Consumer<?, ?> consumer, TopicPartition partition, long end) {
        try {
            return consumer.position(partition, Duration.ZERO) >= end;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
