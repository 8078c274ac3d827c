package io.nanostream.kafka;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * What waits for a {@link KafkaSource} to read it, as its consumer knows from its fetches without
 * asking the broker: the backlog (the lag over the assigned partitions, plus records polled and not
 * yet emitted) and the partitions with nothing waiting. Measured by the polling thread every
 * 200 ms; read from any thread.
 *
 * <p>A partition counts as caught up only while the brokers answer fetches: while they do not (a
 * broker restarting, a network cut) the lag last heard of is stale. A fetch is answered at least
 * every {@code fetch.max.wait.ms} (half a second by default) even with nothing new, so twice that
 * without an answer, and at least a second, is silence: well within the shortest idle time an
 * event-time window is given in practice, so that an outage is seen before the inputs would count
 * as idle.
 */
final class Waiting {

    private static final long EVERY_NANOS = 200_000_000L;
    private static final long MIN_SILENCE_NANOS = 1_000_000_000L;
    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";
    private static final String FETCHES = "fetch-total";

    private final long silenceNanos;
    /** Records behind the end of the assigned partitions, and polled but not emitted; -1 unknown. */
    private volatile long backlog = -1;
    /** The partitions with no record waiting, as of the last look; replaced whole. */
    private volatile Set<TopicPartition> caughtUp = Set.of();
    private long lastLook;
    private Metric fetches;
    private boolean lookedForFetches;
    private double lastFetchCount = -1;
    private long lastAnswerNanos;

    /** For a consumer made with {@code config}, whose {@code fetch.max.wait.ms} sets the silence. */
    Waiting(Map<String, Object> config) {
        Object wait = config.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        long waitMillis = wait == null ? ConsumerConfig.DEFAULT_FETCH_MAX_WAIT_MS : Long.parseLong(wait.toString());
        this.silenceNanos = Math.max(MIN_SILENCE_NANOS, 2 * waitMillis * 1_000_000L);
    }

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
        // with the brokers silent, a lag of zero is stale: nothing counts as caught up
        caughtUp = answering(consumer, nowNanos) ? Set.copyOf(caught) : Set.of();
        if (known) {
            backlog = behind; // else keep the last figure
        }
    }

    /**
     * Whether a fetch was answered within the silence before {@code nowNanos}; true if the
     * consumer does not count its fetches (a mock), so that nothing is held back for it.
     */
    private boolean answering(Consumer<?, ?> consumer, long nowNanos) {
        if (!lookedForFetches) {
            lookedForFetches = true;
            for (Map.Entry<MetricName, ? extends Metric> metric : consumer.metrics().entrySet()) {
                if (metric.getKey().name().equals(FETCHES) && metric.getKey().group().equals(FETCH_GROUP)
                        && !metric.getKey().tags().containsKey("topic")) {
                    fetches = metric.getValue();
                }
            }
        }
        if (fetches == null) {
            return true;
        }
        double count = ((Number) fetches.metricValue()).doubleValue();
        if (count != lastFetchCount) {
            lastFetchCount = count;
            lastAnswerNanos = nowNanos;
        }
        return nowNanos - lastAnswerNanos < silenceNanos;
    }
}
