package io.nanostream.flow;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The partitions a source reads now, each with the number of the assignment it came with: a
 * partition revoked and assigned again gets a new number, so that an item read before the
 * revocation is told apart from the same record read again after it. Immutable; a source's node
 * replaces it whole at each change.
 */
final class Assignment {

    /** The epoch of items read from a partition never announced: never revoked. */
    static final long UNANNOUNCED = 0;

    private final Map<Object, Long> epochs;

    private Assignment(Map<Object, Long> epochs) {
        this.epochs = epochs;
    }

    /**
     * The assignment after {@code partitions} became the ones read: a partition this one holds
     * keeps its number, any other takes a new one from {@code numbers}.
     */
    static Assignment next(Assignment previous, Collection<?> partitions, LongSupplier numbers) {
        Map<Object, Long> epochs = new HashMap<>();
        for (Object partition : partitions) {
            Long kept = previous != null ? previous.epochs.get(Checks.notNull(partition, "partition")) : null;
            epochs.put(partition, kept != null ? kept : numbers.getAsLong());
        }
        return new Assignment(Map.copyOf(epochs));
    }

    Set<Object> partitions() {
        return epochs.keySet();
    }

    /** The number of the partition's current assignment; {@link #UNANNOUNCED} if it is not read now. */
    long epochOf(Object partition) {
        return partition == null ? UNANNOUNCED : epochs.getOrDefault(partition, UNANNOUNCED);
    }
}
