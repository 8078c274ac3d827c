package io.nanostream.kafka;

import io.nanostream.flow.Held;
import io.nanostream.flow.internal.Origins;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * The transactions of an exactly-once {@link KafkaSource}: one transactional producer that every
 * {@link KafkaSink} of its pipeline writes through, and that commits the source's offsets with
 * the outputs, at the source's commit interval.
 *
 * <p>The rule that makes it exact: <b>a source record's outputs are written together, in one
 * transaction, once every one of them has reached a sink.</b> An output whose source records still
 * have work outstanding elsewhere (another output on its way to another sink, an item held in a
 * window or a slow call) waits here, unsent; when the last piece arrives, the whole group is sent.
 * So when a transaction commits, after its sends were acknowledged, every record that has an
 * output in it is finished, and its offset (or its place in the commit's map of finished records)
 * is committed with it; a record with no output in it is either finished too (filtered out) or
 * not committed, and its outputs will be written in a later transaction. The outputs waiting are
 * bounded by the source: it reads no more while they number {@link #full its bound}.
 *
 * <p>Sinks call {@link #offer} on their own threads; the source commits on its polling thread.
 * One lock orders them: nothing is sent between a flush and the commit that follows it. Sinks
 * receive each item through a delivery of their own (never fused into the step before them), so
 * that while a sink handles an output, every other output of its records still on its way counts
 * in their outstanding work.
 */
final class KafkaTransaction {

    private static final System.Logger LOG = System.getLogger("io.nanostream.kafka");
    /** How long a commit waits for the records of what it sent to finish once acknowledged. */
    private static final long FINISH_TIMEOUT_NANOS = Duration.ofSeconds(10).toNanos();
    /** The transaction timeout unless the configuration gives one: 10 s. */
    static final int TRANSACTION_TIMEOUT_MS = 10_000;

    /** One output a sink took: its record in bytes, and how its sink hears the outcome. */
    static final class Output {
        final ProducerRecord<byte[], byte[]> record;
        final Held input;
        final List<Object> origins;
        final Outcome outcome;

        Output(ProducerRecord<byte[], byte[]> record, Held input, Outcome outcome) {
            this.record = record;
            this.input = input;
            this.origins = Origins.access().of(input);
            this.outcome = outcome;
        }
    }

    /** What a sink does when one of its outputs was written, failed, or was dropped. */
    interface Outcome {
        /** The broker acknowledged the record, in the open transaction. */
        void written(Output output);

        /** The record was not written: its input fails (and is read again after a restart). */
        void notWritten(Output output, Throwable cause);
    }

    /** The source's name, for messages. */
    private final Supplier<String> owner;
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory;
    private final Map<String, Object> producerConfig;
    private final Object lock = new Object();
    /** Outputs waiting for the rest of what their source records lead to, by source record. */
    private final Map<Object, List<Output>> waitingByOrigin = new IdentityHashMap<>();
    private int waiting;
    /** The most outputs that may wait before the source reads no more; set when the pipeline is built. */
    private volatile int waitingBound = Integer.MAX_VALUE;
    /** The source records of the outputs sent in the open transaction. */
    private final List<Object> sentOrigins = new ArrayList<>();
    /** Opened on the source's thread at its start; closed there at its end. */
    private volatile Producer<byte[], byte[]> producer;
    /** Whether a transaction was begun and not yet committed or aborted. */
    private boolean open;
    /** Whether the transactions ended: outputs offered since are read again after a restart. */
    private boolean closed;
    /** The offsets of a commit cut short (interrupted, timed out), to finish before anything else. */
    private Map<TopicPartition, OffsetAndMetadata> committing;
    /** The first send or commit that failed: the transaction cannot commit; null while all is well. */
    private volatile Throwable failure;

    KafkaTransaction(Supplier<String> owner, Map<String, Object> producerConfig,
            Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory) {
        this.owner = owner;
        this.producerConfig = producerConfig;
        this.producerFactory = producerFactory;
    }

    /** The bootstrap servers the transactions are written to, for checking the sinks'. */
    Object bootstrapServers() {
        return producerConfig.get("bootstrap.servers");
    }

    /** The transactional id, for messages. */
    Object transactionalId() {
        return producerConfig.get("transactional.id");
    }

    /** Adds a sink's {@code maxInFlight} to the outputs that may wait. */
    void allowWaiting(int outputs) {
        waitingBound = waitingBound == Integer.MAX_VALUE ? outputs : waitingBound + outputs;
    }

    /** Whether as many outputs wait as may: the source reads no more until some are written. */
    boolean full() {
        synchronized (lock) {
            return waiting >= waitingBound;
        }
    }

    /**
     * Opens the producer and fences an earlier instance with the same transactional id: its
     * transaction still open is aborted, and it can write no more.
     */
    void open() {
        Producer<byte[], byte[]> opened = producerFactory.apply(producerConfig);
        try {
            opened.initTransactions();
        } catch (RuntimeException e) {
            opened.close(Duration.ZERO);
            fail(e);
            throw new KafkaException(owner.get() + " could not start its transactions as '" + transactionalId() + "': " + e, e);
        }
        producer = opened;
    }

    /**
     * Takes an output from a sink: sends it now if its source records have nothing else
     * outstanding, with any outputs of theirs waiting; else keeps it until they have. Called
     * while the sink handles the output's input, whose delivery is outstanding too.
     *
     * @throws KafkaException if the transaction failed: the pipeline must fail
     */
    void offer(Output output) {
        synchronized (lock) {
            if (closed) {
                output.outcome.notWritten(output, new KafkaException(owner.get() + " stopped; read again after a restart"));
                return;
            }
            throwIfFailed();
            if (droppedAsRevoked(output)) {
                return;
            }
            if (committing == null && alone(output)) {
                send(output);
                return;
            }
            for (Object origin : output.origins) {
                waitingByOrigin.computeIfAbsent(origin, o -> new ArrayList<>(2)).add(output);
            }
            waiting++;
            if (committing == null) {
                sendIfComplete(output, output, new IdentityHashMap<>());
            }
        }
    }

    /**
     * Drops an output whose source records' partitions were all revoked since they were read:
     * their next owner writes it. One derived from records of revoked and kept partitions alike
     * can be neither written nor dropped alone, so the transaction fails (and the pipeline, whose
     * restart reads them all again).
     */
    private boolean droppedAsRevoked(Output output) {
        int revoked = 0;
        for (Object origin : output.origins) {
            if (Origins.access().isRevoked(origin)) {
                revoked++;
            }
        }
        if (revoked == 0) {
            return false;
        }
        if (revoked < output.origins.size()) {
            fail(new KafkaException("an output derives from records of partitions revoked from this member and of"
                    + " partitions it kept, and cannot be written by either owner alone"));
            output.outcome.notWritten(output, failure);
            throwIfFailed();
        }
        output.outcome.notWritten(output, new KafkaException("its partition was revoked; its next owner reads it"));
        return true;
    }

    /** Whether each of the output's origins has only this delivery and this hold outstanding, and nothing waiting. */
    private boolean alone(Output output) {
        for (Object origin : output.origins) {
            if (waitingByOrigin.containsKey(origin) || Origins.access().outstanding(origin) != 2) {
                return false;
            }
        }
        return true;
    }

    /** Sends every waiting output whose group is complete. */
    void sendReady() {
        synchronized (lock) {
            if (waiting == 0 || failure != null || committing != null || closed) {
                return;
            }
            Map<Object, Boolean> visited = new IdentityHashMap<>();
            for (Object origin : new ArrayList<>(waitingByOrigin.keySet())) {
                List<Output> outputs = waitingByOrigin.get(origin);
                if (outputs != null && !visited.containsKey(origin)) {
                    sendIfComplete(outputs.get(0), null, visited);
                }
            }
        }
    }

    /** The number of outputs waiting for the rest of their groups. */
    int waiting() {
        synchronized (lock) {
            return waiting;
        }
    }

    /**
     * Sends the group of {@code start}, the outputs linked to it through shared source records,
     * if every record of the group has nothing outstanding but the group's holds (and the
     * delivery of {@code current}, under way); settles it as not written if a record of it
     * failed. Marks the records looked at in {@code visited}.
     */
    private void sendIfComplete(Output start, Output current, Map<Object, Boolean> visited) {
        List<Output> group = new ArrayList<>();
        Map<Output, Boolean> inGroup = new IdentityHashMap<>();
        ArrayDeque<Object> origins = new ArrayDeque<>(start.origins);
        boolean complete = true;
        boolean failed = false;
        while (!origins.isEmpty()) {
            Object origin = origins.poll();
            if (visited.put(origin, Boolean.TRUE) != null) {
                continue;
            }
            List<Output> held = waitingByOrigin.getOrDefault(origin, List.of());
            int expected = held.size() + (current != null && current.origins.contains(origin) ? 1 : 0);
            int outstanding = Origins.access().outstanding(origin);
            failed |= outstanding < 0;
            complete &= outstanding == expected; // else something derived from it is on its way, or held elsewhere
            for (Output output : held) {
                if (inGroup.put(output, Boolean.TRUE) == null) {
                    group.add(output);
                    origins.addAll(output.origins);
                }
            }
        }
        if (!complete && !failed) {
            return;
        }
        group.forEach(this::stopWaiting);
        if (failed) {
            KafkaException cause = new KafkaException("a record these outputs come from failed");
            group.forEach(output -> output.outcome.notWritten(output, cause));
        } else {
            group.forEach(this::send);
        }
    }

    /** Takes a waiting output off the waiting list of each of its origins. Under the lock. */
    private void stopWaiting(Output output) {
        for (Object origin : output.origins) {
            List<Output> held = waitingByOrigin.get(origin);
            if (held != null && held.remove(output) && held.isEmpty()) {
                waitingByOrigin.remove(origin);
            }
        }
        waiting--;
    }

    /** Sends one output in the open transaction, beginning one if none is. Under the lock. */
    private void send(Output output) {
        try {
            begin();
            sentOrigins.addAll(output.origins);
            producer.send(output.record, (metadata, error) -> {
                if (error == null) {
                    output.outcome.written(output);
                } else {
                    fail(error);
                    output.outcome.notWritten(output, error);
                }
            });
        } catch (RuntimeException e) {
            fail(e);
            output.outcome.notWritten(output, e);
            throwIfFailed();
        }
    }

    private void begin() {
        if (!open) {
            producer.beginTransaction();
            open = true;
        }
    }

    /** Makes the transaction fail: nothing in it may commit, as when this member lost its partitions. */
    void abandon(Throwable cause) {
        fail(cause);
    }

    private void fail(Throwable error) {
        if (failure == null) {
            failure = error;
        }
    }

    private void throwIfFailed() {
        Throwable failed = failure;
        if (failed != null) {
            throw new KafkaException(owner.get() + "'s transaction '" + transactionalId() + "' failed, so nothing it wrote since"
                    + " its last commit counts (" + failed + "); the pipeline stops, and a restart resumes from the last"
                    + " committed transaction", failed);
        }
    }

    /**
     * Commits the transaction: sends the outputs whose groups are complete, waits until the
     * broker has acknowledged every send and the records of what was sent have finished, then
     * commits the offsets that {@code offsets} gives after that, in the same transaction. Does
     * nothing when nothing was sent and there are no offsets to commit.
     *
     * <p>{@code then} runs after the commit, before any sink sends again: at a revocation, it
     * makes the revoked partitions' records known as revoked, so that no output of theirs is sent
     * in a later transaction of this member (their next owner writes them).
     *
     * @param offsets the source's offsets to commit, read once every send is acknowledged
     * @param group the consumer's group metadata, which fences a member that lost its partitions
     * @param then what to do once committed, before anything else is sent
     * @return the offsets committed, possibly none
     * @throws KafkaException if the transaction failed: the pipeline must fail
     * @throws TimeoutException if the commit took too long: the next commit finishes it
     */
    Map<TopicPartition, OffsetAndMetadata> commit(Supplier<Map<TopicPartition, OffsetAndMetadata>> offsets,
            Supplier<ConsumerGroupMetadata> group, Runnable then) {
        synchronized (lock) {
            if (producer == null) {
                return Map.of(); // never opened
            }
            Map<TopicPartition, OffsetAndMetadata> committed = commit(offsets, group);
            then.run();
            return committed;
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> commit(Supplier<Map<TopicPartition, OffsetAndMetadata>> offsets,
            Supplier<ConsumerGroupMetadata> group) {
        throwIfFailed();
        if (committing == null) {
            sendReady();
            producer.flush(); // every callback has run; a stop's interrupt ends it early, and the stop commits again
            awaitSentFinished();
            throwIfFailed();
            Map<TopicPartition, OffsetAndMetadata> toCommit = offsets.get();
            if (!open && toCommit.isEmpty()) {
                return Map.of();
            }
            try {
                begin();
                if (!toCommit.isEmpty()) {
                    sendOffsets(toCommit, group.get());
                }
            } catch (KafkaException e) {
                fail(e);
                throwIfFailed();
            }
            committing = toCommit;
        }
        try {
            producer.commitTransaction();
        } catch (TimeoutException | InterruptException e) {
            throw e; // may be retried: the next commit finishes this one first
        } catch (KafkaException e) {
            fail(e); // fenced, or the group moved the partitions on: this member's writes do not count
            throwIfFailed();
        }
        open = false;
        sentOrigins.clear();
        Map<TopicPartition, OffsetAndMetadata> committed = committing;
        committing = null;
        return committed;
    }

    /**
     * Waits until every record with an output sent in this transaction has finished: once its
     * outputs were acknowledged, only the sink's own delivery may still be outstanding, for the
     * moment it takes the sink to return. A record that failed meanwhile (its sink or the
     * pipeline failed) fails the transaction: its offset is not committed, so its outputs must
     * not be either.
     */
    private void awaitSentFinished() {
        long deadline = System.nanoTime() + FINISH_TIMEOUT_NANOS;
        for (Object origin : sentOrigins) {
            int outstanding;
            while ((outstanding = Origins.access().outstanding(origin)) > 0) {
                if (System.nanoTime() > deadline) {
                    fail(new KafkaException("a record whose outputs were all written did not finish within "
                            + Duration.ofNanos(FINISH_TIMEOUT_NANOS)));
                    return;
                }
                LockSupport.parkNanos(this, 20_000);
            }
            if (outstanding < 0) {
                fail(new KafkaException("an output was written for a record that failed meanwhile"));
                return;
            }
        }
    }

    /**
     * Adds the offsets to the transaction. A stop interrupts the source's thread once, perhaps
     * right here: the offsets are then sent again, uninterrupted, and the interrupt kept for the
     * caller, rather than lose the transaction to it.
     */
    private void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        try {
            producer.sendOffsetsToTransaction(offsets, group);
        } catch (InterruptException e) {
            Thread.interrupted();
            try {
                producer.sendOffsetsToTransaction(offsets, group);
            } finally {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the transaction failed, or never started: it can only be aborted. */
    boolean failed() {
        return failure != null;
    }

    /** Whether a commit was cut short and is still to be finished. */
    boolean commitPending() {
        synchronized (lock) {
            return committing != null;
        }
    }

    /**
     * Drops the outputs waiting whose source records' partitions were revoked: their next owner
     * reads them again, and writes them. Under the lock, right after the revocation's commit.
     */
    void dropRevoked() {
        synchronized (lock) {
            List<Output> revoked = new ArrayList<>();
            Map<Output, Boolean> seen = new IdentityHashMap<>();
            for (List<Output> outputs : waitingByOrigin.values()) {
                for (Output output : outputs) {
                    if (seen.put(output, Boolean.TRUE) == null
                            && output.origins.stream().anyMatch(Origins.access()::isRevoked)) {
                        revoked.add(output);
                    }
                }
            }
            revoked.forEach(this::stopWaiting);
            for (Output output : revoked) {
                boolean mixed = output.origins.stream().anyMatch(origin -> !Origins.access().isRevoked(origin));
                if (mixed) {
                    fail(new KafkaException("an output derives from records of partitions revoked from this member and"
                            + " of partitions it kept, and cannot be written by either owner alone"));
                }
                output.outcome.notWritten(output, new KafkaException("its partition was revoked; its next owner reads it"));
            }
            throwIfFailed();
        }
    }

    /**
     * Ends the transactions: aborts one still open (nothing in it counts), fails the outputs still
     * waiting, and closes the producer. Outputs offered later are failed too.
     */
    void close() {
        List<Output> left = new ArrayList<>();
        Producer<byte[], byte[]> opened;
        synchronized (lock) {
            closed = true;
            opened = producer;
            Map<Output, Boolean> seen = new IdentityHashMap<>();
            waitingByOrigin.values().forEach(outputs -> outputs.forEach(output -> {
                if (seen.put(output, Boolean.TRUE) == null) {
                    left.add(output);
                }
            }));
            waitingByOrigin.clear();
            waiting = 0;
            if (open && opened != null) {
                try {
                    opened.abortTransaction();
                } catch (KafkaException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> owner.get() + " could not abort its open transaction; the"
                            + " broker aborts it after transaction.timeout.ms, or a restart with the same"
                            + " transactional.id at once: " + e);
                }
                open = false;
            }
        }
        KafkaException cause = new KafkaException(owner.get() + " ended before these outputs were written");
        left.forEach(output -> output.outcome.notWritten(output, cause));
        if (opened != null) {
            opened.close(Duration.ofSeconds(5));
        }
    }

    /** The producer settings of an exactly-once source: transactional, with a short transaction timeout. */
    static Map<String, Object> producerSettings(Map<String, ?> config) {
        Map<String, Object> settings = new HashMap<>(config);
        settings.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
        settings.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
        settings.put("enable.idempotence", true);
        // an instance killed and not restarted keeps its open transaction, and the outputs behind
        // it unreadable for read_committed readers, this long: Kafka Streams' choice, not 60 s
        settings.putIfAbsent("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        return settings;
    }

    /** The transaction timeout of these producer settings, in milliseconds. */
    static long transactionTimeoutMs(Map<String, Object> settings) {
        return Long.parseLong(String.valueOf(settings.get("transaction.timeout.ms")));
    }
}
