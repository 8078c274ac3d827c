package io.nanostream.kafka;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link KafkaSource}'s JDK Flight Recorder events: every commit and every rebalance, beside
 * the core's pipeline events. They cost nothing while no recording runs.
 */
final class KafkaEvents {

    static {
        // Registered up front, not when first committed: a recording whose metadata changes midway
        // may read back pooled strings as null on some JDKs (JDK-8382242).
        jdk.jfr.FlightRecorder.register(Commit.class);
        jdk.jfr.FlightRecorder.register(Rebalance.class);
        jdk.jfr.FlightRecorder.register(Resume.class);
    }

    private KafkaEvents() {
    }

    /** Loads this class, registering its events before any recording needs them. */
    static void register() {
        // the static initializer does the work
    }

    /** A source committed offsets. */
    @Name("io.nanostream.kafka.Commit")
    @Label("Kafka Commit")
    @Category({"nanostream", "Kafka"})
    @Description("A Kafka source committed the offsets of what its pipeline had processed")
    @StackTrace(false)
    static final class Commit extends Event {
        @Label("Source")
        String source;
        @Label("Offsets")
        @Description("Each partition and the offset committed for it")
        String offsets;
        @Label("Synchronous")
        @Description("true on a revocation or a stop, false for a periodic commit")
        boolean synchronous;
        @Label("Succeeded")
        boolean succeeded;
    }

    /** The group moved partitions to or from a source. */
    @Name("io.nanostream.kafka.Rebalance")
    @Label("Kafka Rebalance")
    @Category({"nanostream", "Kafka"})
    @Description("A Kafka source was assigned partitions, had them revoked, or lost them")
    @StackTrace(false)
    static final class Rebalance extends Event {
        @Label("Source")
        String source;
        @Label("Change")
        @Description("assigned, revoked or lost")
        String change;
        @Label("Partitions")
        String partitions;
    }

    /** A partition came to a source whose last commit recorded records processed beyond its offset. */
    @Name("io.nanostream.kafka.Resume")
    @Label("Kafka Resume")
    @Category({"nanostream", "Kafka"})
    @Description("A Kafka source took a partition whose last commit records processed records beyond the committed"
            + " offset; it skips them when it reads them again")
    @StackTrace(false)
    static final class Resume extends Event {
        @Label("Source")
        String source;
        @Label("Partition")
        String partition;
        @Label("Committed Offset")
        long offset;
        @Label("Processed Beyond")
        @Description("How many records after the committed offset were already processed, and are skipped")
        long processedBeyond;
    }

    static void resumed(String source, TopicPartition partition, long offset, long processedBeyond) {
        Resume event = new Resume();
        if (event.isEnabled()) {
            event.source = source;
            event.partition = partition.toString();
            event.offset = offset;
            event.processedBeyond = processedBeyond;
            event.commit();
        }
    }

    /** Starts timing a commit; {@link #committed} ends it. */
    static Commit commitStarted() {
        Commit event = new Commit();
        event.begin();
        return event;
    }

    static void committed(Commit event, String source, Map<TopicPartition, OffsetAndMetadata> offsets,
            boolean synchronous, boolean succeeded) {
        event.end();
        if (event.shouldCommit()) {
            event.source = source;
            Map<String, Long> byPartition = new TreeMap<>();
            offsets.forEach((partition, offset) -> byPartition.put(partition.toString(), offset.offset()));
            event.offsets = byPartition.toString();
            event.synchronous = synchronous;
            event.succeeded = succeeded;
            event.commit();
        }
    }

    static void rebalanced(String source, String change, Collection<TopicPartition> partitions) {
        Rebalance event = new Rebalance();
        if (event.isEnabled()) {
            event.source = source;
            event.change = change;
            event.partitions = new java.util.TreeSet<>(partitions.stream().map(TopicPartition::toString).toList()).toString();
            event.commit();
        }
    }
}
