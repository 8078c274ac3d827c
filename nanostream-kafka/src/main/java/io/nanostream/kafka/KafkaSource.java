package io.nanostream.kafka;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.DeliveryCallback;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.internal.JoinChecks;
import io.nanostream.flow.internal.Settings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads several topics (or a topic pattern) in one consumer group and emits each record as a
 * {@link KafkaRecord}, at least once: an offset is committed only when the record, and everything
 * the pipeline derived from it, has been processed by every sink.
 *
 * <p><b>Threads.</b> One thread owns the {@code KafkaConsumer} and never blocks on the pipeline:
 * when the source's buffer is full it pauses every assigned partition and keeps polling, so the
 * group never sees it exceed {@code max.poll.interval.ms}, and resumes once the buffer has half
 * its room again. Partitions assigned while paused are paused too.
 *
 * <p><b>Commits.</b> Per partition, up to the first record not yet processed; asynchronously
 * every {@code commitEvery} processed records or {@code commitInterval} (on the pipeline's
 * scheduler, so virtual time in tests), whichever comes first;
 * synchronously when partitions are revoked and when the source stops. Records of a revoked
 * partition still in flight are left to the partition's next owner, which reads them again.
 * After a crash, what was processed since the last commit is read again: at most one commit
 * batch per partition, plus what was in flight. Each commit's metadata records the records
 * finished beyond its offset, which the partition's next reader skips. With a
 * {@linkplain Builder#journal journal}, a member restarted on the same machine also skips the
 * records finished after its last commit, when it gets its partitions back before another
 * member committed them.
 *
 * <p><b>Exactly once.</b> With {@link Builder#exactlyOnce}, the pipeline's {@link KafkaSink}s
 * write in Kafka transactions that also commit this source's offsets, at the same interval: a
 * {@code read_committed} reader sees each output once, whatever crashes. See
 * {@code docs/GUARANTEES.md}.
 *
 * <p><b>Bad records.</b> A record that does not deserialize goes to the source's
 * {@linkplain #withErrorPolicy error policy}: {@code fail} (the default) fails the pipeline;
 * {@code skip} logs and commits past it; {@code deadLetter} sends the raw
 * {@code ConsumerRecord<byte[], byte[]>} in a {@link io.nanostream.flow.DeadLetter}, for example
 * to a {@link KafkaSink#deadLetters} topic that keeps the original bytes.
 *
 * <p><b>Stopping.</b> On {@code Pipeline.stop()} the source stops polling, waits (up to
 * {@code stopTimeout}) for the records in flight, commits, and closes the consumer.
 *
 * <pre>{@code
 * Map<String, Object> config = Map.of(
 *         ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
 *         ConsumerConfig.GROUP_ID_CONFIG, "orders-etl",
 *         ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
 * KafkaSource<String, String> source = KafkaSource.builder(config, new StringDeserializer(),
 *                 new StringDeserializer())
 *         .topics("orders", "payments", "shipments")
 *         .build();
 * source.withErrorPolicy(ErrorPolicy.deadLetter(KafkaSink.deadLetters("etl-dead-letters", producerConfig)));
 * }</pre>
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
public final class KafkaSource<K, V> extends AbstractSource<KafkaRecord<K, V>> {

    /*
     * Implementation notes. Records are consumed as bytes and deserialized here, one by one, so
     * that a bad record is rejected alone instead of failing the whole poll. Polled records wait
     * in `pending` until the buffer has room; while any wait, every partition is paused.
     * Rebalance callbacks run inside poll(), on the owning thread, like everything else here.
     */

    private static final System.Logger LOG = System.getLogger("io.nanostream.kafka");
    /** Short, so that a commit falls due promptly even while no record arrives. */
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(20);
    private static final Duration PAUSED_POLL_TIMEOUT = Duration.ofMillis(5);
    /** How often a paused source looks for room in its buffer. */
    private static final long ROOM_CHECK_NANOS = 100_000;
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    /** Beyond twice the transaction timeout, how long an exactly-once source waits for the last commits at an assignment. */
    private static final Duration LAST_COMMITS_MARGIN = Duration.ofSeconds(10);
    /** How often an exactly-once source commits unless told otherwise: Kafka Streams' default too. */
    private static final Duration EXACTLY_ONCE_COMMIT_INTERVAL = Duration.ofMillis(100);

    private final Map<String, Object> config;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final List<String> topics;
    private final Pattern topicPattern;
    private final int commitEvery;
    private final long commitIntervalNanos;
    private final Duration stopTimeout;
    private final long maxRecords;
    /** Whether to stop once every assigned partition was read to its end at its assignment. */
    private final boolean stopAtEnd;
    /** With stopAtEnd: each assigned partition's end offset when it was assigned. Polling thread only. */
    private final Map<TopicPartition, Long> endAt = new HashMap<>();
    /** With stopAtEnd: whether the group assigned this member partitions (perhaps none) yet. */
    private boolean assigned;
    /** Records emitted or rejected so far. */
    private long taken;
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory;

    /** Owned by the polling thread. */
    private Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
    /** Where to read a revoked partition from again if this member gets it straight back. */
    private final Map<TopicPartition, Long> resumeAt = new HashMap<>();
    private boolean paused;
    /** Partitions not read for now: their maps of finished records are crowded. */
    private final CrowdedPartitions crowded = new CrowdedPartitions();
    /** Records read again and skipped, known processed from a commit's metadata; written by the polling thread. */
    private volatile long alreadyProcessed;
    /** How many partitions the group gave this member; -1 before its first assignment. Written by the polling thread. */
    private volatile int partitionCount = -1;
    private int deliveredSinceCommit;
    /** Asynchronous commits sent and not yet answered; polling thread only. */
    private int asyncCommits;
    private long lastCommit;
    /** The backlog, and the partitions with nothing waiting. */
    private final Waiting waiting;
    /** With exactlyOnce: the transactions the pipeline's sinks write in; else null. */
    private final KafkaTransaction transaction;
    /**
     * How long an assignment waits for the partitions' last commits: at least once, one timeout
     * (then it reads again what they record as finished); exactly once, until another member's
     * open transaction that holds commits of them has surely ended (then it fails: going on would
     * write their outputs twice).
     */
    private final Duration lastCommitsWait;
    /** Whether the consumer is being closed, which revokes its partitions after the last commit. */
    private boolean closing;
    /** Where the journal is kept; null without one. */
    private final java.nio.file.Path journalDirectory;
    /** With a journal directory: the journal, open while the source runs. Polling thread. */
    private FinishedJournal journal;

    private KafkaSource(Builder<K, V> builder) {
        super(builder.name, builder.bufferSize);
        KafkaEvents.register();
        this.config = builder.config;
        this.waiting = new Waiting();
        this.keyDeserializer = builder.keyDeserializer;
        this.valueDeserializer = builder.valueDeserializer;
        this.topics = builder.topics;
        this.topicPattern = builder.topicPattern;
        this.commitEvery = builder.commitEvery;
        this.commitIntervalNanos = builder.commitInterval.toNanos();
        this.stopTimeout = builder.stopTimeout;
        this.maxRecords = builder.maxRecords;
        this.stopAtEnd = builder.stopAtEnd;
        this.consumerFactory = builder.consumerFactory;
        this.journalDirectory = builder.journalDirectory;
        if (builder.transactions != null) {
            Map<String, Object> producerSettings = KafkaTransaction.producerSettings(builder.transactions);
            this.transaction = new KafkaTransaction(this::name, producerSettings, settings -> new KafkaProducer<>(settings));
            // another member's transaction that holds commits of these partitions ends within its
            // timeout: the broker aborts it at its next look for timed-out ones (every 10 s by default)
            this.lastCommitsWait = Duration.ofMillis(2 * KafkaTransaction.transactionTimeoutMs(producerSettings))
                    .plus(LAST_COMMITS_MARGIN);
            JoinChecks.whenJoining(this, this::joinExactlyOnce);
        } else {
            this.transaction = null;
            this.lastCommitsWait = COMMIT_TIMEOUT;
        }
    }

    /**
     * With exactlyOnce, when the pipeline is built: this source must be its only source, and
     * every path must end in a {@link KafkaSink}, which then writes in this source's transactions.
     */
    private void joinExactlyOnce(JoinChecks.Members members) {
        for (Object source : members.sources()) {
            if (source != this) {
                throw new IllegalArgumentException("source '" + name() + "' reads exactly once, so it must be its"
                        + " pipeline's only source, but the pipeline also starts at " + describe(source) + ": read"
                        + " several topics with one source (topics(..)), or give the other source a pipeline of its own");
            }
        }
        for (Object end : members.ends()) {
            if (!(end instanceof KafkaSink)) {
                throw new IllegalArgumentException("source '" + name() + "' reads exactly once, but " + describe(end)
                        + " is not a KafkaSink, and only Kafka sinks write in its transactions: write to a topic"
                        + " and feed that sink from a second pipeline reading the topic (read_committed), or drop"
                        + " exactlyOnce to write at least once");
            }
        }
        for (Object end : members.ends()) {
            ((KafkaSink<?>) end).joinTransaction(transaction, name());
        }
    }

    private static String describe(Object node) {
        if (node instanceof io.nanostream.flow.AbstractSink) {
            return "sink '" + ((io.nanostream.flow.AbstractSink<?>) node).name() + "'";
        }
        if (node instanceof AbstractSource) {
            return "source '" + ((AbstractSource<?>) node).name() + "'";
        }
        return "'" + node + "'";
    }

    /**
     * Starts building a source.
     *
     * @param config kafka-clients consumer configuration; must name {@code bootstrap.servers} and
     *     {@code group.id}. Auto-commit is turned off, and the deserializers given here are used.
     * @param keyDeserializer turns key bytes into keys
     * @param valueDeserializer turns value bytes into values
     * @param <K> the type of keys
     * @param <V> the type of values
     * @return a builder
     * @throws NullPointerException if an argument is null
     */
    public static <K, V> Builder<K, V> builder(Map<String, ?> config, Deserializer<K> keyDeserializer,
            Deserializer<V> valueDeserializer) {
        return new Builder<>(config, keyDeserializer, valueDeserializer);
    }

    @Override
    protected boolean tracksDelivery() {
        return true;
    }

    @Override
    protected void produce() throws Exception {
        consumer = consumerFactory.apply(consumerConfig());
        if (journalDirectory != null) {
            journal = FinishedJournal.open(journalDirectory.resolve(journalName()));
        }
        if (transaction != null) {
            transaction.open(); // before anything is read: fences the instance this one replaces
        }
        lastCommit = scheduler().nanoTime();
        try {
            subscribe();
            while (!isStopping() && taken < maxRecords && !readToEnd()) {
                if (paused) {
                    awaitRoom();
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(paused ? Duration.ZERO : POLL_TIMEOUT)) {
                    pending.add(record);
                }
                emitPending();
                adjustPause();
                if (transaction != null) {
                    transaction.sendReady(); // outputs whose last piece arrived since they were offered
                }
                commitIfDue();
                if (!crowded.isEmpty()) {
                    crowded.update(consumer, progress, paused); // lets a partition go after its longest hold
                }
                waiting.measure(consumer, pending, false);
            }
        } catch (InterruptException | WakeupException e) {
            if (!isStopping()) {
                throw e;
            }
        } finally {
            Thread.interrupted(); // a stop interrupts this thread; what follows must not be cut short
            waiting.measure(consumer, pending, true); // the figure the source ends with
            consumer.pause(consumer.assignment()); // stop fetching; the group still sees this member
            paused = true; // and partitions assigned from now on are paused too
            pending.clear();
        }
    }

    /** The journal's file name: the group, the instance id if any, and this source's name. */
    private String journalName() {
        Object instance = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        String name = config.get(ConsumerConfig.GROUP_ID_CONFIG) + (instance != null ? "." + instance : "") + "." + name();
        return name.replaceAll("[^A-Za-z0-9._-]", "_") + ".journal";
    }

    /**
     * Returns the consumer's lag over its assigned partitions, as of its last fetch, plus the
     * records polled and not yet emitted; -1 until known.
     *
     * @return the records waiting to be read
     */
    @Override
    protected long backlog() {
        return waiting.backlog();
    }

    /**
     * Says that this source is not ready while it has no partitions: before its group first
     * assigned it any, and while a rebalance took them all (or the group has more members than
     * the topics have partitions).
     *
     * @return the reason, or null when it reads partitions
     */
    @Override
    protected String notReadyReason() {
        int partitions = partitionCount;
        if (partitions > 0 || isStopping()) {
            return null;
        }
        String group = "group '" + config.get(ConsumerConfig.GROUP_ID_CONFIG) + "'";
        return partitions < 0 ? "source '" + name() + "' has no partitions yet: it is joining its " + group
                : "source '" + name() + "' has no partitions: its " + group + " is rebalancing, or has more members"
                        + " than the topics have partitions";
    }

    /**
     * Returns how many records this source read again, after a restart or a rebalance, and did not
     * emit, because the partition's last commit recorded them as processed.
     *
     * @return the records skipped as processed already
     */
    @Override
    protected long alreadyProcessed() {
        return alreadyProcessed;
    }

    /**
     * Tells whether records of a partition wait: behind its end at the broker, fetched and not yet
     * emitted, or not known (never fetched, paused, or the broker did not confirm its end when
     * last asked), as of the last look (every 200 ms).
     *
     * @param partition a {@code TopicPartition}
     * @return whether records of it wait to be emitted
     */
    @Override
    protected boolean hasWaiting(Object partition) {
        return waiting.hasWaiting(partition);
    }

    /** Waits for the records in flight (they need the end of input to get through some steps), commits, closes. */
    @Override
    protected void afterEnd() {
        finishAndClose();
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> settings = new HashMap<>(config);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        if (transaction != null) {
            settings.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // what another pipeline committed
        }
        return settings;
    }

    private void subscribe() {
        ConsumerRebalanceListener listener = new Rebalance();
        if (topicPattern != null) {
            consumer.subscribe(topicPattern, listener);
        } else {
            consumer.subscribe(topics, listener);
        }
    }

    /**
     * With stopAtEnd: whether every partition assigned was read to the end it had when assigned,
     * every record before it emitted. A position not known yet is not at the end.
     */
    private boolean readToEnd() {
        if (!stopAtEnd || !assigned) {
            return false;
        }
        for (ConsumerRecord<byte[], byte[]> record : pending) {
            if (record.offset() < endAt.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L)) {
                return false;
            }
        }
        try {
            for (Map.Entry<TopicPartition, Long> end : endAt.entrySet()) {
                if (consumer.position(end.getKey(), Duration.ZERO) < end.getValue()) {
                    return false;
                }
            }
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    /** Emits waiting records while the buffer has room for them. */
    private void emitPending() {
        long room = Math.min(bufferRoom(), maxRecords - taken);
        if (transaction != null && transaction.full()) {
            room = 0; // as many outputs wait for the rest of their records' outputs as may
        }
        while (room > 0 && !pending.isEmpty() && !isStopping()) {
            ConsumerRecord<byte[], byte[]> raw = pending.poll();
            TopicPartition topicPartition = new TopicPartition(raw.topic(), raw.partition());
            PartitionProgress partition = progress.get(topicPartition);
            if (partition == null) {
                continue; // revoked since it was polled: its next owner reads it
            }
            if (stopAtEnd && raw.offset() >= endAt.getOrDefault(topicPartition, Long.MAX_VALUE)) {
                continue; // written after the partition was assigned: the next run reads it
            }
            PartitionProgress.Entry entry = partition.emitted(raw.offset());
            if (partition.finishedBefore(raw.offset())) {
                new RecordDone(entry).delivered(); // processed before the last commit: not again
                alreadyProcessed++;
                continue;
            }
            taken++;
            DeliveryCallback callback = new RecordDone(entry);
            KafkaRecord<K, V> record;
            try {
                record = new KafkaRecord<>(raw.topic(), raw.partition(), raw.offset(),
                        keyDeserializer.deserialize(raw.topic(), raw.headers(), raw.key()),
                        valueDeserializer.deserialize(raw.topic(), raw.headers(), raw.value()), raw.headers(),
                        raw.timestamp());
            } catch (RuntimeException e) {
                reject(raw, new KafkaException("record " + raw.topic() + "-" + raw.partition() + "@" + raw.offset()
                        + " does not deserialize: " + e.getMessage(), e), callback);
                room--;
                continue;
            }
            emit(record, topicPartition, callback);
            room--;
        }
    }

    /**
     * While paused: waits, up to {@link #PAUSED_POLL_TIMEOUT}, until the buffer has room for the
     * records waiting (or half its room, to resume), checking every {@link #ROOM_CHECK_NANOS}.
     * The buffer frees room at the pipeline's pace, so refilling it must not wait for a poll
     * timeout; between waits, a poll keeps rebalance callbacks and commits going.
     */
    private void awaitRoom() {
        int half = Math.max(1, bufferSize() / 2);
        int wanted = pending.isEmpty() ? half : Math.min(pending.size(), half);
        long deadline = System.nanoTime() + PAUSED_POLL_TIMEOUT.toNanos();
        while (bufferRoom() < wanted && System.nanoTime() < deadline && !isStopping()) {
            LockSupport.parkNanos(this, ROOM_CHECK_NANOS);
        }
    }

    /** Pauses every partition while records wait for room; resumes at half the room free. */
    private void adjustPause() {
        if (!paused && !pending.isEmpty()) {
            consumer.pause(consumer.assignment());
            paused = true;
        } else if (paused && pending.isEmpty() && bufferRoom() >= bufferSize() / 2) {
            consumer.resume(crowded.resumable(consumer));
            paused = false;
        }
    }

    /** How many times a partition was held back for its crowded map of finished records: for tests. */
    int holdsStarted() {
        return crowded.holdsStarted();
    }

    private void commitIfDue() {
        int delivered = deliveredSinceCommit();
        boolean due = delivered >= commitEvery || scheduler().nanoTime() - lastCommit >= commitIntervalNanos;
        if (transaction != null) {
            if (due || transaction.commitPending()) {
                lastCommit = scheduler().nanoTime();
                try {
                    commitTransaction();
                } catch (TimeoutException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> name() + "'s commit took longer than max.block.ms; the"
                            + " next commit finishes it: " + e);
                    return;
                }
                forgetDelivered(delivered);
                crowded.update(consumer, progress, paused);
            }
            return;
        }
        if (due) {
            Map<TopicPartition, OffsetAndMetadata> offsets = offsetsToCommit(progress.keySet(), false); // covers `delivered`
            lastCommit = scheduler().nanoTime();
            if (!offsets.isEmpty()) {
                KafkaEvents.Commit event = KafkaEvents.commitStarted();
                asyncCommits++;
                consumer.commitAsync(offsets, (committed, error) -> {
                    asyncCommits--;
                    KafkaEvents.committed(event, name(), offsets, false, error == null);
                    if (error != null) {
                        LOG.log(System.Logger.Level.WARNING, () -> name() + " could not commit " + committed
                                + "; a later commit covers them: " + error);
                    }
                });
                markCommitted(offsets);
            }
            forgetDelivered(delivered);
            crowded.update(consumer, progress, paused);
        }
        if (journal != null && journal.wantsRoll()) {
            journal.roll(progress);
        }
    }

    /** Counts off deliveries that a commit covered; later ones still count toward the next. */
    private void forgetDelivered(int delivered) {
        synchronized (progress) {
            deliveredSinceCommit -= delivered;
        }
    }

    private int deliveredSinceCommit() {
        synchronized (progress) {
            return deliveredSinceCommit;
        }
    }

    /** The partitions' offsets to commit: those changed since the last commit, or all with {@code all}. */
    private Map<TopicPartition, OffsetAndMetadata> offsetsToCommit(Collection<TopicPartition> partitions, boolean all) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionProgress state = progress.get(partition);
            OffsetAndMetadata offset = state != null ? state.toCommit(all) : null;
            if (offset != null) {
                offsets.put(partition, offset);
            }
        }
        return offsets;
    }

    /**
     * With exactlyOnce: commits the transaction, with the offsets of every record finished by
     * then, which every output in it belongs to.
     *
     * @throws KafkaException if the transaction failed: the pipeline fails
     */
    private void commitTransaction() {
        commitTransaction(() -> { });
    }

    /** Commits the transaction, then runs {@code then} before any sink sends again. */
    private void commitTransaction(Runnable then) {
        KafkaEvents.Commit event = KafkaEvents.commitStarted();
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = transaction.commit(() -> offsetsToCommit(progress.keySet(), false), consumer::groupMetadata, then);
        } catch (KafkaException e) {
            KafkaEvents.committed(event, name(), Map.of(), true, false);
            throw e;
        }
        if (!committed.isEmpty()) {
            KafkaEvents.committed(event, name(), committed, true, true);
            markCommitted(committed);
        }
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (TopicPartition partition : offsets.keySet()) {
            PartitionProgress state = progress.get(partition);
            if (state != null) { // else revoked right after its commit
                state.committed();
            }
        }
    }

    /**
     * Commits the partitions' offsets and waits for the broker, unchanged ones included: at a
     * revocation or a stop, this is the last word, even if an asynchronous commit before it failed.
     */
    private void commitSync(Collection<TopicPartition> partitions) {
        if (transaction != null) {
            commitTransaction(); // every partition's: the transaction holds outputs of them all
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = offsetsToCommit(partitions, true);
        if (offsets.isEmpty()) {
            return;
        }
        KafkaEvents.Commit event = KafkaEvents.commitStarted();
        try {
            consumer.commitSync(offsets, COMMIT_TIMEOUT);
            KafkaEvents.committed(event, name(), offsets, true, true);
            markCommitted(offsets);
        } catch (KafkaException e) {
            KafkaEvents.committed(event, name(), offsets, true, false);
            LOG.log(System.Logger.Level.WARNING, () -> name() + " could not commit " + offsets
                    + "; those records will be read again: " + e);
        }
    }

    /** Stops fetching, waits for what is in flight, commits it, and closes the consumer. */
    private void finishAndClose() {
        if (consumer == null) {
            return; // produce() never ran
        }
        try {
            awaitInFlight();
            Thread.interrupted(); // a late stop's interrupt must not cut the commit short
            awaitAsyncCommits();
            if (transaction == null || !transaction.failed()) {
                commitSync(new ArrayList<>(progress.keySet()));
            }
        } catch (KafkaException e) {
            LOG.log(System.Logger.Level.WARNING, () -> name() + " could not finish cleanly: " + e);
        } finally {
            Thread.interrupted();
            try {
                if (transaction != null) {
                    transaction.close(); // aborts what is left open: none of it counts
                }
            } finally {
                closing = true;
                try {
                    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
                } finally {
                    if (journal != null) {
                        journal.close();
                    }
                }
            }
        }
    }

    /**
     * Lets the asynchronous commits under way finish (up to the commit timeout) before the stop's
     * own commit, so that the stop's is the last word, in the broker and in the Flight Recorder.
     */
    private void awaitAsyncCommits() {
        long deadline = System.nanoTime() + COMMIT_TIMEOUT.toNanos();
        while (asyncCommits > 0 && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(10)); // paused: runs the callbacks, fetches nothing
        }
    }

    /**
     * Waits up to the stop timeout for every emitted record to be settled, keeping the group
     * alive. Interrupts (the stop itself, or a close giving up) do not end the wait early: the
     * timeout bounds it.
     */
    private void awaitInFlight() {
        long deadline = System.nanoTime() + stopTimeout.toNanos();
        // a snapshot: the polls below may run rebalance callbacks that change `progress`
        for (PartitionProgress partition : new ArrayList<>(progress.values())) {
            while (!partition.isSettled()) {
                if (transaction != null) {
                    if (transaction.failed()) {
                        return; // nothing more can commit: what is in flight is read again after a restart
                    }
                    transaction.sendReady(); // outputs whose last piece arrived since
                    commitIfDue(); // a long wait must not outlast the transaction's timeout
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    LOG.log(System.Logger.Level.WARNING, () -> name() + " stopped before every record in flight"
                            + " was processed; those will be read again");
                    return;
                }
                try {
                    partition.awaitChange(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.interrupted();
                }
                Thread.interrupted();
                consumer.poll(Duration.ZERO); // paused: keeps the member in its group
            }
        }
    }

    /** Tells the partition's progress how its record ended. */
    private final class RecordDone implements DeliveryCallback {
        private final PartitionProgress.Entry entry;

        RecordDone(PartitionProgress.Entry entry) {
            this.entry = entry;
        }

        @Override
        public void delivered() {
            entry.delivered();
            synchronized (progress) {
                deliveredSinceCommit++;
            }
        }

        @Override
        public void failed(Throwable cause) {
            entry.failed();
        }
    }

    /** Runs inside poll(), on the polling thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            KafkaEvents.rebalanced(name(), "revoked", partitions);
            if (transaction != null) {
                if (closing) {
                    return; // the transactions ended with the stop's commit, or were aborted
                }
                commitTransaction(() -> { // before a sink sends again, the partitions' records are known revoked
                    forget(partitions);
                    transaction.dropRevoked(); // their outputs not yet sent: the next owner writes them
                });
                return;
            }
            commitSync(partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            KafkaEvents.rebalanced(name(), "lost", partitions);
            forget(partitions); // another member owns them already: committing would be wrong
            if (transaction != null && !partitions.isEmpty()) {
                // the open transaction holds outputs of their records, which the new owner writes
                // again: it must not commit, and what this member marked finished with it is not
                KafkaException lost = new KafkaException(name() + " lost partitions " + partitions + " to another"
                        + " member of its group (its session timed out) while its transaction held their outputs;"
                        + " the pipeline stops, and a restart resumes from the last committed transaction");
                transaction.abandon(lost);
                throw lost;
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            KafkaEvents.rebalanced(name(), "assigned", partitions);
            Map<TopicPartition, OffsetAndMetadata> commits = lastCommits(partitions);
            if (commits == null) {
                commits = Map.of(); // unreadable: nothing is skipped
            } else if (journal != null) {
                commits = withStartCommits(partitions, commits);
            }
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata commit = commits.get(partition);
                FinishedOffsets finished = FinishedOffsets.decode(commit);
                PartitionProgress state;
                if (journal != null) {
                    FinishedJournal.Resumed resumed = journal.resume(partition, commit, finished);
                    finished = resumed.finished();
                    state = new PartitionProgress(finished, resumed.slot(), journal.token());
                } else {
                    state = new PartitionProgress(finished);
                }
                if (finished.count() > 0) {
                    KafkaEvents.resumed(name(), partition, commit.offset(), finished.count());
                }
                progress.put(partition, state);
                Long resume = resumeAt.get(partition);
                if (resume != null) {
                    consumer.seek(partition, resume); // its polled records were dropped at the revocation
                }
            }
            resumeAt.clear();
            if (stopAtEnd) {
                recordEnds(partitions);
            }
            if (paused && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
            partitionsChanged(progress.keySet());
            partitionCount = progress.size();
        }

        /**
         * With a journal: commits the partitions that have no commit yet at the offsets they are
         * read from (where this member left them if it had them before), with the run's token, so
         * that the journal counts from their first record (it counts only on top of a commit);
         * if that commit fails, it counts from this run's first commit.
         */
        private Map<TopicPartition, OffsetAndMetadata> withStartCommits(Collection<TopicPartition> partitions,
                Map<TopicPartition, OffsetAndMetadata> commits) {
            Map<TopicPartition, OffsetAndMetadata> starts = new HashMap<>();
            try {
                for (TopicPartition partition : partitions) {
                    if (commits.get(partition) == null) {
                        Long resume = resumeAt.get(partition);
                        long from = resume != null ? resume : consumer.position(partition, COMMIT_TIMEOUT);
                        starts.put(partition, new OffsetAndMetadata(from, FinishedOffsets.withToken("", journal.token())));
                    }
                }
                if (starts.isEmpty()) {
                    return commits;
                }
                consumer.commitSync(starts, COMMIT_TIMEOUT);
            } catch (InterruptException | WakeupException e) {
                throw e; // a stop
            } catch (KafkaException e) {
                LOG.log(System.Logger.Level.WARNING, () -> name() + " could not commit where it starts reading "
                        + starts.keySet() + "; its journal counts from its first commit: " + e);
                return commits;
            }
            Map<TopicPartition, OffsetAndMetadata> all = new HashMap<>(commits);
            all.putAll(starts);
            return all;
        }

        /** With stopAtEnd: the partitions' ends now, which this run reads up to. */
        private void recordEnds(Collection<TopicPartition> partitions) {
            assigned = true;
            if (partitions.isEmpty()) {
                return;
            }
            try {
                endAt.putAll(consumer.endOffsets(partitions, COMMIT_TIMEOUT));
            } catch (KafkaException e) {
                throw new KafkaException(name() + " could not read the end offsets of " + partitions
                        + ", which stopAtEnd reads up to: " + e.getMessage(), e);
            }
        }

        /**
         * The partitions' last commits, to skip what they record as processed. At least once, null
         * if unreadable in one timeout: what they record is processed again. Exactly once, read
         * with {@code read_committed}, they cannot be read while another member's open transaction
         * holds commits of them (a member frozen or killed mid-commit): this waits for it to end,
         * within {@link #lastCommitsWait}, and fails the source if it does not.
         */
        private Map<TopicPartition, OffsetAndMetadata> lastCommits(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return Map.of();
            }
            long deadline = System.nanoTime() + lastCommitsWait.toNanos();
            while (true) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> commits = consumer.committed(
                            new java.util.HashSet<>(partitions), COMMIT_TIMEOUT);
                    return commits != null ? commits : Map.of();
                } catch (InterruptException | WakeupException e) {
                    throw e; // a stop
                } catch (KafkaException e) {
                    if (transaction == null) {
                        LOG.log(System.Logger.Level.WARNING, () -> name() + " could not read the last commits of "
                                + partitions + "; the records they record as processed will be processed again: " + e);
                        return null;
                    }
                    if (!(e instanceof TimeoutException) || System.nanoTime() - deadline >= 0) {
                        throw new KafkaException(name() + " could not read the last commits of " + partitions
                                + " (waiting up to " + lastCommitsWait + ", twice transaction.timeout.ms and 10 s):"
                                + " without them it would write again the outputs of records they record as"
                                + " processed, so the pipeline stops; a restart reads them again", e);
                    }
                    LOG.log(System.Logger.Level.INFO, () -> name() + " waits for the last commits of " + partitions
                            + ": an open transaction of another member holds commits of them");
                }
            }
        }

        /**
         * Drops what this member knew of the partitions. A partition may be given straight back
         * (an eager rebalance revokes everything), and the consumer may keep its position past
         * the records dropped here, so the offset to read again from is kept for that case.
         */
        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                PartitionProgress state = progress.remove(partition);
                long resume = state != null ? state.resumeOffset() : -1;
                for (ConsumerRecord<byte[], byte[]> record : pending) {
                    if (resume < 0 && record.topic().equals(partition.topic()) && record.partition() == partition.partition()) {
                        resume = record.offset();
                    }
                }
                if (resume >= 0) {
                    resumeAt.put(partition, resume);
                }
            }
            pending.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
            endAt.keySet().removeAll(partitions);
            crowded.forget(partitions);
            partitionsChanged(progress.keySet());
            partitionCount = progress.size();
        }
    }

    /**
     * Builds a {@link KafkaSource}.
     *
     * @param <K> the type of keys
     * @param <V> the type of values
     */
    public static final class Builder<K, V> {
        private final Map<String, Object> config;
        private final Deserializer<K> keyDeserializer;
        private final Deserializer<V> valueDeserializer;
        private List<String> topics;
        private Pattern topicPattern;
        private String name = "KafkaSource";
        private int bufferSize = 1_024;
        private int commitEvery = 500;
        private Duration commitInterval = Duration.ofSeconds(1);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private long maxRecords = Long.MAX_VALUE;
        private Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory = KafkaConsumer::new;
        private boolean stopAtEnd;
        private Map<String, Object> transactions;
        private java.nio.file.Path journalDirectory;
        /** Whether commitEvery was given: else exactlyOnce commits by time alone. */
        private boolean commitGiven;
        private ErrorPolicy errorPolicy;
        private final Settings given = new Settings();

        private Builder(Map<String, ?> config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
            this.config = new HashMap<>(Objects.requireNonNull(config, "config must not be null"));
            this.keyDeserializer = Objects.requireNonNull(keyDeserializer, "keyDeserializer must not be null");
            this.valueDeserializer = Objects.requireNonNull(valueDeserializer, "valueDeserializer must not be null");
        }

        /**
         * Reads these topics.
         *
         * @param topics one or more topic names
         * @return this builder
         * @throws IllegalArgumentException if no topic is given
         * @throws IllegalStateException if topics or a topic pattern were already given
         */
        public Builder<K, V> topics(String... topics) {
            if (topics.length == 0) {
                throw new IllegalArgumentException("topics must not be empty: name at least one topic");
            }
            this.topics = List.of(given.onceInsteadOf("topics", topics, "topicPattern"));
            return this;
        }

        /**
         * Reads every topic whose name matches, including topics created later.
         *
         * @param pattern the pattern
         * @return this builder
         * @throws IllegalStateException if topics or a topic pattern were already given
         */
        public Builder<K, V> topicPattern(Pattern pattern) {
            this.topicPattern = given.onceInsteadOf("topicPattern", pattern, "topics");
            return this;
        }

        /**
         * Names the source (default {@code KafkaSource}), as {@link AbstractSource#named} names
         * a source.
         *
         * @param name the name
         * @return this builder
         * @throws IllegalStateException if a name was already given
         */
        public Builder<K, V> named(String name) {
            this.name = given.once("named", name);
            return this;
        }

        /**
         * Sets what the source does with a record it cannot deserialize, as
         * {@link AbstractSource#withErrorPolicy} does (default: fail the pipeline).
         *
         * @param policy the policy
         * @return this builder
         * @throws IllegalStateException if a policy was already given
         */
        public Builder<K, V> withErrorPolicy(ErrorPolicy policy) {
            this.errorPolicy = given.once("withErrorPolicy", policy);
            return this;
        }

        /**
         * Sets the number of records buffered for each subscriber (default 1 024: room for two
         * polls of the consumer's default {@code max.poll.records}, 500, so that one poll's records
         * are still being taken while the next arrive).
         *
         * @param bufferSize the buffer size
         * @return this builder
         * @throws IllegalArgumentException if bufferSize is not positive
         * @throws IllegalStateException if a buffer size was already given
         */
        public Builder<K, V> bufferSize(int bufferSize) {
            this.bufferSize = given.once("bufferSize", positive(bufferSize, "bufferSize"));
            return this;
        }

        /**
         * Commits after this many processed records or this much time, whichever comes first
         * (default 500 records, 1 second; with {@link #exactlyOnce}, every 100 ms whatever the
         * count, as each commit of a transaction waits for the broker). The count bounds the
         * finished records a kill -9 makes the next run process again; the source checks it once
         * per poll.
         *
         * @param records the number of processed records
         * @param interval the longest time between commits
         * @return this builder
         * @throws IllegalArgumentException if records or interval is not positive
         * @throws IllegalStateException if commitEvery was already given
         */
        public Builder<K, V> commitEvery(int records, Duration interval) {
            positive(records, "records");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive: " + interval);
            }
            given.onceAs("commitEvery", records + " records or " + interval);
            this.commitEvery = records;
            this.commitInterval = interval;
            this.commitGiven = true;
            return this;
        }

        /**
         * Bounds how long a stopping source waits for its records in flight before it commits and
         * closes (default 30 seconds).
         *
         * @param timeout the longest wait
         * @return this builder
         * @throws IllegalStateException if a stop timeout was already given
         */
        public Builder<K, V> stopTimeout(Duration timeout) {
            this.stopTimeout = given.once("stopTimeout", timeout);
            return this;
        }

        /**
         * Ends the source after this many records (those rejected as undeserializable count
         * too): it then completes, waits for them, commits and closes, as on a graceful stop.
         * For bounded runs, such as reprocessing a known number of records; unbounded by default.
         *
         * @param maxRecords the number of records to take
         * @return this builder
         * @throws IllegalArgumentException if maxRecords is negative
         * @throws IllegalStateException if maxRecords was already given
         */
        public Builder<K, V> maxRecords(long maxRecords) {
            if (maxRecords < 0) {
                throw new IllegalArgumentException("maxRecords must not be negative: " + maxRecords);
            }
            this.maxRecords = given.once("maxRecords", maxRecords);
            return this;
        }

        /**
         * Makes this source a static member of its consumer group, known by {@code id} (Kafka's
         * {@code group.instance.id}): when the instance is killed and restarted with the same id
         * within the consumer's {@code session.timeout.ms} (45 seconds by default), the group gives
         * it its partitions back at once, with no rebalance and no wait for the session to time
         * out. Give each instance of a pipeline its own id that stays the same across restarts,
         * such as the host or pod name. An instance gone for longer than the session timeout
         * has its partitions moved to the others, as without an id.
         *
         * @param id this instance's id in its group, stable across restarts
         * @return this builder
         * @throws IllegalArgumentException if id is empty, or the configuration names another
         *     {@code group.instance.id}
         * @throws IllegalStateException if an id was already given
         */
        public Builder<K, V> groupInstanceId(String id) {
            if (Objects.requireNonNull(id, "id must not be null").isEmpty()) {
                throw new IllegalArgumentException("id must not be empty: give this instance a name it keeps"
                        + " across restarts, such as its host name");
            }
            Object configured = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
            if (configured != null && !configured.equals(id)) {
                throw new IllegalArgumentException("the configuration's " + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG
                        + " is '" + configured + "', not '" + id + "': give the id once");
            }
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, given.once("groupInstanceId", id));
            return this;
        }

        /**
         * Keeps a journal in {@code directory}: a memory-mapped file (8 MiB) to which each record
         * is added the moment everything derived from it was processed. The pages of the mapping
         * belong to the operating system, so the journal survives kill -9 of the process, and a
         * restart of the same member on the same machine skips the records finished after its
         * last commit, not only those its commits record: when it gets its partitions back, what
         * it processes again is what a sink had written and not yet confirmed to the pipeline
         * when the process died. Each run's commits carry its random token, and a partition's
         * journal is used only if its last commit is the one the run found or one the run made:
         * after a commit by any other member (its partitions moved while it was down), the
         * journal adds nothing for that partition, and neither does it while the last commits
         * cannot be read. A partition with no commit yet gets one where its reading starts. After
         * a power cut the journal may lack its last entries, which costs replays, never records.
         * The file takes its whole size on disk when the source starts: a disk too full for it
         * fails the start, saying so.
         *
         * <p>The file is named after the group, the {@code group.instance.id} if any and the
         * source's name, and locked while the source runs: members on one machine need their own
         * instance ids or directories. Give it a directory that outlives the process, like a
         * static member's id outlives it:
         *
         * <pre>{@code
         * KafkaSource<String, String> source = KafkaSource.builder(config, new StringDeserializer(),
         *                 new StringDeserializer())
         *         .topics("orders")
         *         .groupInstanceId("etl-1")
         *         .journal(Path.of("/var/lib/orders-etl"))
         *         .build();
         * }</pre>
         *
         * @param directory where the journal file is kept; made if missing
         * @return this builder
         * @throws NullPointerException if directory is null
         * @throws IllegalStateException if a journal was already given
         */
        public Builder<K, V> journal(java.nio.file.Path directory) {
            this.journalDirectory = given.once("journal", Objects.requireNonNull(directory, "directory must not be null"));
            return this;
        }

        /**
         * Makes a bounded run: the source reads each partition up to its end as it was when the
         * partition was assigned, then stops as on a graceful stop (its records in flight are
         * settled, their offsets committed, the consumer closed) and the pipeline completes.
         * Records written after the assignment are left to the next run. For catch-up and nightly
         * batch ETL, and for tests that wait for a topic to be processed. A partition assigned in a
         * later rebalance is read to its end at that assignment; a member assigned no partitions
         * stops at its first assignment.
         *
         * @return this builder
         * @throws IllegalStateException if stopAtEnd was already given
         */
        public Builder<K, V> stopAtEnd() {
            this.stopAtEnd = given.once("stopAtEnd", true);
            return this;
        }

        /**
         * Makes the pipeline exactly-once, Kafka to Kafka: every {@link KafkaSink} of the pipeline
         * writes through one transactional producer made from {@code producerConfig}, and the
         * source commits the offsets of the records it read in the same transactions, every 100 ms
         * unless {@link #commitEvery} says otherwise: outputs become readable at each commit. A {@code read_committed} reader of the sinks' topics then sees each
         * output once, whatever crashes: a transaction not committed is aborted, and the records
         * whose outputs it held are read again. A record's outputs are written together, in one
         * transaction, once they have all reached the sinks; records held longer (in an open window,
         * a slow call) are committed with their outputs in a later transaction. The source reads
         * with {@code isolation.level=read_committed} unless the configuration says otherwise.
         *
         * <p>{@code producerConfig} must name the brokers (the cluster the source reads from) and a
         * {@code transactional.id} that each instance of the pipeline keeps across restarts (such
         * as the group name and the host name): a restarted instance aborts what its predecessor
         * left open and fences it, so a zombie of it can write no more. Its
         * {@code transaction.timeout.ms} is 10 seconds unless given: how long an instance killed
         * and not restarted keeps its open transaction blocking {@code read_committed} readers.
         * The sinks' own producer settings are not used.
         *
         * <p>{@code Pipeline.from} refuses a pipeline this cannot make exact: one with another
         * source, or with a sink that is not a {@code KafkaSink} (a database sink, say: its writes
         * cannot join a Kafka transaction), or a {@code KafkaSink} that writes {@code oncePerKey} or
         * to other brokers.
         *
         * @param producerConfig kafka-clients producer configuration with {@code bootstrap.servers}
         *     and {@code transactional.id}
         * @return this builder
         * @throws IllegalArgumentException if the configuration lacks either
         * @throws IllegalStateException if exactlyOnce was already given
         */
        public Builder<K, V> exactlyOnce(Map<String, ?> producerConfig) {
            Map<String, Object> settings = new HashMap<>(Objects.requireNonNull(producerConfig, "producerConfig must not be null"));
            Object id = settings.get("transactional.id");
            if (id == null || id.toString().isEmpty()) {
                throw new IllegalArgumentException("the producer configuration of exactlyOnce has no transactional.id:"
                        + " give each instance of the pipeline its own id that it keeps across restarts, such as the"
                        + " group and the host name, so that a restarted instance fences the one it replaces");
            }
            if (!settings.containsKey("bootstrap.servers")) {
                throw new IllegalArgumentException("the producer configuration of exactlyOnce has no bootstrap.servers:"
                        + " add the brokers of the cluster the source reads from");
            }
            given.onceAs("exactlyOnce", "transactional.id " + id); // the settings may hold a password
            this.transactions = settings;
            return this;
        }

        /**
         * Makes the consumer with {@code factory} rather than {@code new KafkaConsumer<>(config)}:
         * for tests, a {@code MockConsumer}.
         *
         * @param factory makes a consumer of bytes from the final configuration
         * @return this builder
         * @throws IllegalStateException if a consumer factory was already given
         */
        public Builder<K, V> consumerFactory(Function<Map<String, Object>, Consumer<byte[], byte[]>> factory) {
            this.consumerFactory = given.once("consumerFactory", factory);
            return this;
        }

        /**
         * Builds the source.
         *
         * @return a new source
         * @throws IllegalStateException if no topics or pattern were given, exactlyOnce commits
         *     less often than twice per transaction timeout, or exactlyOnce has a journal
         */
        public KafkaSource<K, V> build() {
            if (topics == null && topicPattern == null) {
                throw new IllegalStateException("no topics to read: call topics(...) or topicPattern(...)");
            }
            if (transactions != null && journalDirectory != null) {
                throw new IllegalStateException("exactlyOnce writes each output once whatever crashes, so a journal"
                        + " would skip nothing more: drop journal(..)");
            }
            if (transactions != null && !commitGiven) {
                // a transaction's commit waits for the broker several times: by count it would
                // come every few milliseconds under load (issue 16 measured 0.24x of at least once
                // at 500 records), by time it costs next to nothing (Kafka Streams' choice too)
                commitEvery = Integer.MAX_VALUE;
                commitInterval = EXACTLY_ONCE_COMMIT_INTERVAL;
            }
            if (transactions != null) {
                long timeout = KafkaTransaction.transactionTimeoutMs(KafkaTransaction.producerSettings(transactions));
                if (commitInterval.toMillis() * 2 > timeout) {
                    throw new IllegalStateException("exactlyOnce commits every " + commitInterval + ", but its"
                            + " transactions time out after " + timeout + " ms, and the broker aborts one that"
                            + " lasts longer: commit at least twice per transaction.timeout.ms");
                }
            }
            KafkaSource<K, V> source = new KafkaSource<>(this);
            if (errorPolicy != null) {
                source.withErrorPolicy(errorPolicy);
            }
            return source;
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
