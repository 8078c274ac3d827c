package io.nanostream.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Slows the reading of a partition whose records finished beyond its first unfinished one fill
 * half the commit's metadata: it is not read until that record is done, or for at most
 * {@link #HOLD_NANOS} at a time, and then read for as long before it is held again. Never for
 * longer: the first unfinished record may wait for this very partition (an event-time window
 * waits for its watermark), and a map that outgrows the metadata is cut, which costs replays,
 * never records. Owned by the polling thread.
 */
final class CrowdedPartitions {

    /** The longest a partition with a crowded map of finished records is left unread at a time. */
    private static final long HOLD_NANOS = 1_000_000_000L;

    /** Partitions not read for now, and since when. */
    private final Map<TopicPartition, Long> held = new HashMap<>();
    /** When each partition was last let go after a hold. */
    private final Map<TopicPartition, Long> freed = new HashMap<>();
    /** The holds begun so far, for tests: read from any thread. */
    private volatile int holdsStarted;

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** The holds begun so far. */
    int holdsStarted() {
        return holdsStarted;
    }

    /**
     * Holds back the partitions whose maps are crowded, and lets go those whose maps are not, or
     * that were held for long enough; a partition let go is resumed unless the source is paused.
     */
    void update(Consumer<?, ?> consumer, Map<TopicPartition, PartitionProgress> progress, boolean paused) {
        long now = System.nanoTime();
        progress.forEach((partition, state) -> {
            boolean crowded = state.isCrowded();
            Long since = held.get(partition);
            Long lastFreed = freed.get(partition);
            if (crowded && since == null && (lastFreed == null || now - lastFreed >= HOLD_NANOS)) {
                held.put(partition, now);
                consumer.pause(List.of(partition));
                holdsStarted++; // written by the polling thread only
            } else if (since != null && (!crowded || now - since >= HOLD_NANOS)) {
                held.remove(partition);
                freed.put(partition, now);
                if (!paused) {
                    consumer.resume(List.of(partition));
                }
            }
        });
    }

    /** The assigned partitions less those held back. */
    Collection<TopicPartition> resumable(Consumer<?, ?> consumer) {
        if (held.isEmpty()) {
            return consumer.assignment();
        }
        List<TopicPartition> partitions = new ArrayList<>(consumer.assignment());
        partitions.removeAll(held.keySet());
        return partitions;
    }

    /** The partitions are no longer this source's. */
    void forget(Collection<TopicPartition> partitions) {
        held.keySet().removeAll(partitions);
        freed.keySet().removeAll(partitions);
    }
}
