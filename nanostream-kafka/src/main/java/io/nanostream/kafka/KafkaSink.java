package io.nanostream.kafka;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.DeadLetter;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Held;
import io.nanostream.flow.internal.JoinChecks;
import io.nanostream.flow.internal.Settings;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes each item as a Kafka record, and acknowledges the item only once the broker has
 * acknowledged the record, so a Kafka-to-Kafka pipeline is at-least-once end to end.
 *
 * <p>At most {@code maxInFlight} sends are under way at once; the next item waits, and with it
 * the pipeline upstream. A send that fails (after the producer's own retries) goes to the sink's
 * {@linkplain #withErrorPolicy error policy}: by default the pipeline fails, naming the topic and
 * the key. At the end of input the sink flushes and waits for every send before it completes.
 *
 * <p><b>Once per key.</b> With {@link Builder#oncePerKey}, a record whose key the topic already
 * holds is not written again, and its item is acknowledged (once the key's first write is
 * confirmed, if it is still under way): the first write wins. A
 * result that a replay after a crash computes again, or computes in part (an event-time window
 * keyed by its key and start, whose items were partly committed before the crash), then reaches
 * the topic once, as it was first written. See {@code docs/GUARANTEES.md}.
 *
 * <p><b>Exactly once.</b> In a pipeline whose {@link KafkaSource} reads
 * {@linkplain KafkaSource.Builder#exactlyOnce exactly once}, the sink writes through the source's
 * transactional producer instead of its own (its producer settings other than the brokers are not
 * used), and its records become readable to {@code read_committed} readers when the source commits.
 *
 * <p>{@link #deadLetters} makes a sink for any node's dead letters.
 *
 * <pre>{@code
 * KafkaSink<Order> sink = KafkaSink.builder(producerConfig, new StringSerializer(), new StringSerializer())
 *         .records((Order order) -> new ProducerRecord<>("big-orders", order.customer(), order.toJson()))
 *         .build();
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class KafkaSink<T> extends AbstractSink<T> {

    /** Dead-letter header: the name of the step that failed. */
    public static final String STEP_HEADER = "nanostream.step";
    /**
     * Dead-letter header: the class of the error's root cause, what went wrong under the wrappers
     * that said where (such as the deserializer's own exception, under the {@code KafkaException}
     * that names the record); the message header keeps the whole chain's words.
     */
    public static final String ERROR_CLASS_HEADER = "nanostream.error.class";
    /** Dead-letter header: the message of the error. */
    public static final String ERROR_MESSAGE_HEADER = "nanostream.error.message";
    /** Dead-letter header: where the record came from, as {@code topic-partition@offset}. */
    public static final String ORIGIN_HEADER = "nanostream.origin";

    private static final System.Logger LOG = System.getLogger("io.nanostream.kafka");
    /** How long a sink in a transaction waits at the end of input for its records to be written. */
    private static final Duration END_TIMEOUT = Duration.ofSeconds(30);

    private final Function<? super T, ? extends ProducerRecord<?, ?>> toRecord;
    /** Makes the producer, at the start: a sink built and never started holds no connection. */
    private final java.util.function.Supplier<Producer<Object, Object>> openProducer;
    /** Null until the start; written on the sink's thread. */
    private volatile Producer<Object, Object> producer;
    private final Semaphore sends;
    private final int maxInFlight;
    /** With oncePerKey: the keys written; else null. */
    private final WrittenKeys writtenKeys;
    /**
     * With oncePerKey: the keys sent and not yet confirmed, each with the inputs of later records
     * of the same key, which are acknowledged (or failed) with the first.
     */
    private final Map<ByteBuffer, List<Held>> unconfirmed = new ConcurrentHashMap<>();
    private final Serializer<Object> keySerializer;
    private final Serializer<Object> valueSerializer;
    /** The brokers of the producer configuration, to check an exactly-once source's against. */
    private final Object bootstrapServers;
    /** In a pipeline whose source reads exactly once: the source's transactions; else null. Set before the start. */
    private volatile KafkaTransaction transaction;
    /** With a transaction: the outputs given to it and not yet written or failed. Guarded by {@link #outcome}. */
    private int unsettled;
    /** How this sink hears what became of the outputs it gave the transaction. */
    private final KafkaTransaction.Outcome outcome = new KafkaTransaction.Outcome() {
        @Override
        public void written(KafkaTransaction.Output output) {
            output.input.release();
            settled();
        }

        @Override
        public void notWritten(KafkaTransaction.Output output, Throwable cause) {
            output.input.fail(cause);
            settled();
        }

        private synchronized void settled() {
            if (--unsettled == 0) {
                notifyAll();
            }
        }
    };
    /** With oncePerKey and topic(..): the topic to read the written keys of at the start. */
    private final String topic;
    /** Sends that failed, settled on the sink's own threads. */
    private final Queue<FailedSend<T>> failures = new ConcurrentLinkedQueue<>();

    private KafkaSink(Builder<T, ?, ?> builder, java.util.function.Supplier<Producer<Object, Object>> openProducer) {
        super(builder.name, builder.maxInFlight);
        this.toRecord = builder.toRecord;
        this.openProducer = openProducer;
        this.maxInFlight = builder.maxInFlight;
        this.sends = new Semaphore(maxInFlight);
        this.writtenKeys = builder.oncePerKey != null ? new WrittenKeys(builder.config, builder.oncePerKey) : null;
        @SuppressWarnings("unchecked") // applied to the keys of the records made for this serializer
        Serializer<Object> keys = (Serializer<Object>) builder.keySerializer;
        this.keySerializer = keys;
        @SuppressWarnings("unchecked") // applied to the values of the records made for this serializer
        Serializer<Object> values = (Serializer<Object>) builder.valueSerializer;
        this.valueSerializer = values;
        this.bootstrapServers = builder.config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        this.topic = builder.topic;
    }

    /**
     * Starts building a sink.
     *
     * @param config kafka-clients producer configuration; must name {@code bootstrap.servers}.
     *     The serializers given here are used.
     * @param keySerializer turns keys into bytes
     * @param valueSerializer turns values into bytes
     * @param <K> the type of keys
     * @param <V> the type of values
     * @return a builder, of items of any type until {@link Builder#records} or
     *     {@link Builder#topic} says which
     * @throws NullPointerException if an argument is null
     */
    public static <K, V> Builder<Object, K, V> builder(Map<String, ?> config, Serializer<K> keySerializer,
            Serializer<V> valueSerializer) {
        return new Builder<>(config, keySerializer, valueSerializer);
    }

    /**
     * Returns a sink that writes dead letters to {@code topic}: a record that a
     * {@link KafkaSource} could not deserialize keeps its original key, value and headers; any
     * other item is written as its key and value when it is a {@link KafkaRecord} of strings or
     * bytes, else as its {@code toString()}. Every record gets the headers {@value #STEP_HEADER},
     * {@value #ERROR_CLASS_HEADER}, {@value #ERROR_MESSAGE_HEADER} and, when known,
     * {@value #ORIGIN_HEADER}.
     *
     * @param topic the dead-letter topic
     * @param config kafka-clients producer configuration
     * @return a new sink
     * @throws IllegalArgumentException if the configuration names no {@code bootstrap.servers}
     */
    public static KafkaSink<DeadLetter> deadLetters(String topic, Map<String, ?> config) {
        Objects.requireNonNull(topic, "topic must not be null");
        return KafkaSink.builder(config, new ByteArraySerializer(), new ByteArraySerializer())
                .named("dead letters to " + topic)
                .records((DeadLetter letter) -> DeadLetterRecords.toRecord(topic, letter))
                .build();
    }

    /** Opens the producer, and reads the keys already written when the topic is known, before the first item. */
    @Override
    protected void onStart() {
        if (transaction != null) {
            return; // writes through the source's transactional producer
        }
        producer = openProducer.get();
        if (writtenKeys != null && topic != null) {
            writtenKeys.read(topic);
        }
    }

    /**
     * Makes this sink write through an exactly-once source's transactions: called when the
     * pipeline is built, before it starts.
     *
     * @throws IllegalArgumentException if this sink cannot write in them
     */
    void joinTransaction(KafkaTransaction source, String sourceName) {
        if (writtenKeys != null) {
            throw new IllegalArgumentException("sink '" + name() + "' writes each key once (oncePerKey), but source '"
                    + sourceName + "' reads exactly once, which writes each result once already: drop oncePerKey");
        }
        if (bootstrapServers != null && !bootstrapServers.equals(source.bootstrapServers())) {
            throw new IllegalArgumentException("sink '" + name() + "' writes to " + bootstrapServers + ", but source '"
                    + sourceName + "' commits its transactions on " + source.bootstrapServers() + ": an exactly-once"
                    + " pipeline writes to the cluster it reads from");
        }
        source.allowWaiting(maxInFlight);
        JoinChecks.refuseFusion(this); // see JoinChecks.refuseFusion: each output must count while on its way
        transaction = source;
    }

    @Override
    protected void consume(T item) throws InterruptedException {
        settleFailures();
        ProducerRecord<?, ?> record = Objects.requireNonNull(toRecord.apply(item),
                "the record function of sink '" + name() + "' returned null");
        @SuppressWarnings("unchecked") // the builder's serializers match the records' types
        ProducerRecord<Object, Object> typed = (ProducerRecord<Object, Object>) record;
        if (transaction != null) {
            writeInTransaction(typed);
            return;
        }
        byte[] key = writtenKeys != null ? keyOf(typed) : null;
        if (key != null && !writtenKeys.add(typed.topic(), key, System.currentTimeMillis(), this::partitionsAssigned)) {
            followFirstWrite(ByteBuffer.wrap(key)); // written before: the first write wins
            return;
        }
        Held input = holdInput();
        if (key != null) {
            unconfirmed.put(ByteBuffer.wrap(key), new ArrayList<>());
        }
        try {
            sends.acquire();
        } catch (InterruptedException e) {
            forgetSend(typed.topic(), key);
            throw e;
        }
        try {
            producer.send(typed, (metadata, error) -> {
                try {
                    List<Held> followers = key != null ? unconfirmed.remove(ByteBuffer.wrap(key)) : null;
                    if (error == null) {
                        input.release();
                        if (followers != null) {
                            followers.forEach(Held::release);
                        }
                    } else {
                        failures.add(new FailedSend<>(input, item, error, record, key, followers));
                        schedule(Duration.ZERO, this::settleFailures);
                    }
                } finally {
                    sends.release();
                }
            });
        } catch (RuntimeException e) {
            sends.release();
            forgetSend(typed.topic(), key);
            input.release(); // the error policy settles the item itself
            throw e;
        }
    }

    /**
     * Gives the record, in bytes, to the source's transaction, holding the item until the record
     * is written (or fails). The producer's {@code buffer.memory} bounds what is sent and not yet
     * acknowledged; the source bounds what waits.
     */
    private void writeInTransaction(ProducerRecord<Object, Object> record) {
        byte[] key = keySerializer.serialize(record.topic(), record.headers(), record.key());
        byte[] value = valueSerializer.serialize(record.topic(), record.headers(), record.value());
        ProducerRecord<byte[], byte[]> bytes = new ProducerRecord<>(record.topic(), record.partition(), record.timestamp(),
                key, value, record.headers());
        Held input = holdInput();
        synchronized (outcome) {
            unsettled++;
        }
        try {
            transaction.offer(new KafkaTransaction.Output(bytes, input, outcome));
        } catch (KafkaException e) {
            throw pipelineFailure(e); // the transaction failed: no error policy can save this item
        }
    }

    /**
     * A record of a key already written: its item is acknowledged at once if the first write was
     * confirmed, else with it (or failed with it, to be read again), never before.
     */
    private void followFirstWrite(ByteBuffer key) {
        Held input = holdInput();
        if (unconfirmed.computeIfPresent(key, (k, followers) -> {
            followers.add(input);
            return followers;
        }) == null) {
            input.release();
        }
    }

    /** A send of {@code key} did not happen: a later record of it may be written. */
    private void forgetSend(String topic, byte[] key) {
        if (key != null) {
            unconfirmed.remove(ByteBuffer.wrap(key));
            writtenKeys.remove(topic, key);
        }
    }

    private byte[] keyOf(ProducerRecord<Object, Object> record) {
        byte[] key = record.key() == null ? null : keySerializer.serialize(record.topic(), record.headers(), record.key());
        if (key == null) {
            throw new IllegalArgumentException("sink '" + name() + "' writes each key once (oncePerKey), but a record"
                    + " for topic " + record.topic() + " has no key: give every record a key, such as the window's key"
                    + " and start");
        }
        return key;
    }

    @Override
    protected void onEndOfInput() throws InterruptedException {
        if (transaction != null) {
            awaitWritten();
            return;
        }
        producer.flush();
        sends.acquire(maxInFlight); // every callback has run
        sends.release(maxInFlight);
        settleFailures();
        try {
            producer.close(Duration.ofSeconds(5));
        } finally {
            closeWrittenKeys();
        }
    }

    /**
     * With a transaction: waits until every record this sink gave it was written (in a
     * transaction that the source commits) or failed, so that no input is still held when the sink
     * ends; the outputs of other sinks that complete a group may still be on their way.
     */
    private void awaitWritten() throws InterruptedException {
        long deadline = System.nanoTime() + END_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && !transaction.failed()) { // if failed, the source fails the pipeline
            transaction.sendReady();
            synchronized (outcome) {
                if (unsettled == 0) {
                    return;
                }
                outcome.wait(20);
            }
        }
        LOG.log(System.Logger.Level.WARNING, () -> "sink '" + name() + "' ended before all its records were written in"
                + " a transaction; their inputs are read again after a restart");
    }

    @Override
    protected void onFailure(Throwable error) {
        try {
            Producer<Object, Object> opened = producer;
            if (opened != null) { // else the pipeline failed before this sink started
                opened.close(Duration.ZERO);
            }
        } finally {
            closeWrittenKeys();
        }
    }

    private void closeWrittenKeys() {
        if (writtenKeys != null) {
            writtenKeys.close();
        }
    }

    private void settleFailures() {
        for (FailedSend<T> failed = failures.poll(); failed != null; failed = failures.poll()) {
            if (failed.key != null) {
                writtenKeys.remove(failed.record.topic(), failed.key); // not written: a replay may write it
            }
            if (failed.followers != null) {
                for (Held follower : failed.followers) {
                    follower.fail(failed.error); // to be read again, as the first
                }
            }
            settleFailed(failed.input, failed.item, new KafkaException("sending to topic " + failed.record.topic()
                    + " with key " + failed.record.key() + " failed: " + failed.error, failed.error));
        }
    }

    /** A send the broker did not acknowledge. */
    private record FailedSend<T>(Held input, T item, Exception error, ProducerRecord<?, ?> record, byte[] key,
            List<Held> followers) {
    }

    /**
     * Builds a {@link KafkaSink}. The item type is the one of the function that makes records,
     * given to {@link #records} or {@link #topic}: write a lambda's parameter type, as in
     * {@code records((Order order) -> ..)}, or use method references; go on with the builder these
 * return, whose type says what the sink takes.
     *
     * @param <T> the type of items
     * @param <K> the type of keys
     * @param <V> the type of values
     */
    public static final class Builder<T, K, V> {
        private final Map<String, Object> config;
        private final Serializer<K> keySerializer;
        private final Serializer<V> valueSerializer;
        private Function<? super T, ? extends ProducerRecord<?, ?>> toRecord;
        private String name = "KafkaSink";
        private int maxInFlight = 10_000;
        private Duration oncePerKey;
        private String topic;
        private Function<Map<String, Object>, Producer<K, V>> producerFactory;
        /** Whether {@link #producerFactory} replaced the KafkaProducer, which then needs no brokers named. */
        private boolean customProducer;
        private ErrorPolicy errorPolicy;
        private final Settings given = new Settings();

        private Builder(Map<String, ?> config, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
            this.config = new HashMap<>(Objects.requireNonNull(config, "config must not be null"));
            this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer must not be null");
            this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer must not be null");
            this.producerFactory = settings -> new KafkaProducer<>(settings, this.keySerializer, this.valueSerializer);
        }

        /**
         * Makes each item's record, with its topic, key, value and headers.
         *
         * @param toRecord makes the record of an item; must not return null
         * @param <U> the type of items
         * @return this builder, now of items of type {@code U}
         * @throws IllegalStateException if records(..) or topic(..) was already called
         */
        public <U> Builder<U, K, V> records(Function<? super U, ProducerRecord<K, V>> toRecord) {
            Builder<U, K, V> typed = ofItems();
            typed.toRecord = given.onceInsteadOf("records", toRecord, "topic");
            return typed;
        }

        /**
         * Writes every item to {@code topic}, with the given key and value.
         *
         * @param topic the topic
         * @param key makes an item's key (may return null)
         * @param value makes an item's value
         * @param <U> the type of items
         * @return this builder, now of items of type {@code U}
         * @throws IllegalStateException if records(..) or topic(..) was already called
         */
        public <U> Builder<U, K, V> topic(String topic, Function<? super U, K> key, Function<? super U, V> value) {
            Objects.requireNonNull(topic, "topic must not be null");
            Objects.requireNonNull(key, "key must not be null");
            Objects.requireNonNull(value, "value must not be null");
            given.onceInsteadOf("topic", topic, "records");
            Builder<U, K, V> typed = ofItems();
            typed.toRecord = item -> new ProducerRecord<>(topic, key.apply(item), value.apply(item));
            typed.topic = topic;
            return typed;
        }

        /**
         * This builder as one of items of type {@code U}: safe while the function that makes
         * records is not given, since nothing else here depends on the item type.
         */
        @SuppressWarnings("unchecked")
        private <U> Builder<U, K, V> ofItems() {
            return (Builder<U, K, V>) this;
        }

        /**
         * Names the sink (default {@code KafkaSink}), as {@link AbstractSink#named} names a sink.
         *
         * @param name the name
         * @return this builder
         * @throws IllegalStateException if a name was already given
         */
        public Builder<T, K, V> named(String name) {
            this.name = given.once("named", name);
            return this;
        }

        /**
         * Sets what the sink does with an item whose record it cannot make or the broker refuses,
         * as {@link AbstractSink#withErrorPolicy} does (default: fail the pipeline).
         *
         * @param policy the policy
         * @return this builder
         * @throws IllegalStateException if a policy was already given
         */
        public Builder<T, K, V> withErrorPolicy(ErrorPolicy policy) {
            this.errorPolicy = given.once("withErrorPolicy", policy);
            return this;
        }

        /**
         * Sets the most sends under way at once (default 10 000); also how many items the sink
         * requests ahead. Each send is under way until the broker acknowledges it, some
         * milliseconds, so this bounds the rate to about {@code maxInFlight} per acknowledgement
         * time (in the Kafka benchmark, 1 000 gave 250 000 records/s and 10 000 gave 370 000).
         * In a pipeline whose source reads {@linkplain KafkaSource.Builder#exactlyOnce exactly once},
         * it bounds instead the outputs that wait for the rest of their records' outputs (summed
         * over the sinks: the source reads no more while that many wait); what is sent and not yet
         * acknowledged is bounded by the producer's {@code buffer.memory}.
         *
         * @param maxInFlight the bound
         * @return this builder
         * @throws IllegalArgumentException if maxInFlight is not positive
         * @throws IllegalStateException if maxInFlight was already given
         */
        public Builder<T, K, V> maxInFlight(int maxInFlight) {
            if (maxInFlight <= 0) {
                throw new IllegalArgumentException("maxInFlight must be positive: " + maxInFlight);
            }
            this.maxInFlight = given.once("maxInFlight", maxInFlight);
            return this;
        }

        /**
         * Writes each record key at most once per topic: the first write wins. Before it first
         * writes to a topic, the sink reads the keys of the topic's records from {@code lookback}
         * before each partition's last record (at the start, for a {@link #topic} sink); a record
         * whose key is there, or was sent since, is not sent, and its item is acknowledged with
         * the key's first write (at once if that one is confirmed already). After the pipeline's
         * sources were assigned partitions (a rebalance), it reads the topic on to its end before
         * it writes a key it does not know, so that a key another instance of the pipeline wrote
         * before the partition moved here is left out too. Keys are kept for {@code lookback} after they were sent
         * or read; choose it longer than the time a result may take to be computed again after a
         * crash (the commit interval, plus how long the pipeline holds an item, such as a
         * window's length): a minute covers windows of seconds. For results keyed by what they are the result of, such as an
         * event-time window's key and start; every record needs a key.
         *
         * @param lookback how far back the topic's keys are read and sent keys kept
         * @return this builder
         * @throws IllegalArgumentException if lookback is not positive
         * @throws IllegalStateException if oncePerKey was already given
         */
        public Builder<T, K, V> oncePerKey(Duration lookback) {
            Objects.requireNonNull(lookback, "lookback must not be null");
            if (lookback.isNegative() || lookback.isZero()) {
                throw new IllegalArgumentException("lookback must be positive: " + lookback);
            }
            this.oncePerKey = given.once("oncePerKey", lookback);
            return this;
        }

        /**
         * Makes the producer with {@code factory} rather than {@code new KafkaProducer<>(..)}:
         * for tests, a {@code MockProducer}.
         *
         * @param factory makes a producer from the final configuration
         * @return this builder
         * @throws IllegalStateException if a producer factory was already given
         */
        public Builder<T, K, V> producerFactory(Function<Map<String, Object>, Producer<K, V>> factory) {
            this.producerFactory = given.once("producerFactory", factory);
            this.customProducer = true;
            return this;
        }

        /**
         * Builds the sink. Its producer is made when the pipeline starts and closed when the sink
         * ends or fails: a sink built and never started holds no connection.
         *
         * @return a new sink
         * @throws IllegalStateException if neither records(..) nor topic(..) was called
         * @throws IllegalArgumentException if the configuration names no {@code bootstrap.servers}
         *     and the producer is not made by a {@link #producerFactory}
         */
        @SuppressWarnings("unchecked") // the records' key and value types are the serializers' K and V
        public KafkaSink<T> build() {
            if (toRecord == null) {
                throw new IllegalStateException("no records to write: call records(...) or topic(...)");
            }
            if (!customProducer && !config.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException("the producer configuration of sink '" + name + "' has no "
                        + ProducerConfig.BOOTSTRAP_SERVERS_CONFIG + ": add the brokers to connect to, such as"
                        + " \"localhost:9092\"");
            }
            Map<String, Object> settings = new HashMap<>(config);
            settings.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
            Function<Map<String, Object>, Producer<K, V>> factory = producerFactory;
            KafkaSink<T> sink = new KafkaSink<>(this, () -> (Producer<Object, Object>) factory.apply(settings));
            if (errorPolicy != null) {
                sink.withErrorPolicy(errorPolicy);
            }
            return sink;
        }
    }
}
