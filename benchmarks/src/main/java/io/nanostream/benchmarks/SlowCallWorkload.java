package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.KeyedCallStep;
import io.nanostream.flow.Partition;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.kafka.KafkaRecord;
import io.nanostream.kafka.KafkaSink;
import io.nanostream.kafka.KafkaSource;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The slow-call benchmark's work (issue 17), the same for every contender: read records keyed by
 * customer from a topic of 12 partitions, make a call of a fixed latency per record (an
 * asynchronous client that answers after the latency, or a blocking one that sleeps it), and write
 * the record to an output topic, keeping the order of each key, at least once. A record's value is
 * {@code <key>;<sequence within the key>}, so the output tells whether each key kept its order.
 */
final class SlowCallWorkload {

    static final int PARTITIONS = 12;
    static final int KEYS = 1_000;
    /**
     * The consumers' {@code max.partition.fetch.bytes}: 16 KiB, about 800 of these records. With
     * Kafka's 1 MiB, a catch-up delivers one partition's records in runs of ~50 000, whose ~83 keys
     * are all a keyed step can call at once: {@code mapAsyncByKey(256)} measured 14 300/s so, with
     * 81 calls in flight on average; with 16 KiB, 31 500/s and 203.
     */
    static final int FETCH_BYTES = 16_384;

    /** A contender running in the background until stopped. */
    interface Running {
        /** Stops it, letting what it has under way finish. */
        void stop() throws Exception;

        /** What it saw of itself while it ran, if anything: for a keyed step, its calls in flight. */
        default String figures() {
            return "";
        }
    }

    /** How a contender is started on an input topic, writing to an output topic. */
    interface Contender {
        Running start(String bootstrapServers, String group, String input, String output, Duration latency)
                throws Exception;
    }

    private SlowCallWorkload() {
    }

    /**
     * Writes {@code records} over {@link #KEYS} keys, uniformly, or with one key ("k0") taking
     * {@code hotShare} of them; returns once all are acknowledged.
     */
    static void load(String bootstrapServers, String topic, long records, double hotShare) throws Exception {
        Random random = new Random(17);
        long[] sequences = new long[KEYS];
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (var producer = new KafkaProducer<>(KafkaWorkload.producerSettings(bootstrapServers), new StringSerializer(),
                new StringSerializer())) {
            for (long i = 0; i < records; i++) {
                int key = random.nextDouble() < hotShare ? 0 : random.nextInt(KEYS);
                String name = "k" + key;
                producer.send(new ProducerRecord<>(topic, name, name + ";" + sequences[key]++), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** The asynchronous client: answers with the value after the latency, on one timer thread. */
    static final class AsyncClient implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "slow-call-client");
            thread.setDaemon(true);
            return thread;
        });
        private final Duration latency;

        AsyncClient(Duration latency) {
            this.latency = latency;
        }

        CompletionStage<String> call(String value) {
            CompletableFuture<String> answer = new CompletableFuture<>();
            timer.schedule(() -> answer.complete(value), latency.toNanos(), TimeUnit.NANOSECONDS);
            return answer;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** The blocking client: sleeps the latency, then answers with the value. */
    static String blockingCall(String value, Duration latency) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(latency.toNanos());
        return value;
    }

    /** nanostream: Kafka → {@code Steps.mapAsyncByKey(key, maxInFlight, client)} → Kafka. */
    static Contender keyedAsync(int maxInFlight) {
        return (bootstrap, group, input, output, latency) -> {
            AsyncClient client = new AsyncClient(latency);
            return nanostream(bootstrap, group, input, output, client, Steps.mapAsyncByKey(KafkaRecord::key,
                    maxInFlight, (KafkaRecord<String, String> record) -> client.call(record.value())));
        };
    }

    /** nanostream: Kafka → {@code Steps.mapBlockingByKey(key, maxInFlight, call)} → Kafka. */
    static Contender keyedBlocking(int maxInFlight) {
        return (bootstrap, group, input, output, latency) -> nanostream(bootstrap, group, input, output, () -> { },
                Steps.mapBlockingByKey(KafkaRecord::key, maxInFlight,
                        (KafkaRecord<String, String> record) -> blockingCall(record.value(), latency)));
    }

    /** nanostream: Kafka → {@code Steps.mapAsync(parallelism, client)}, one order for all keys → Kafka. */
    static Contender mapAsync(int parallelism) {
        return (bootstrap, group, input, output, latency) -> {
            AsyncClient client = new AsyncClient(latency);
            return nanostream(bootstrap, group, input, output, client, Steps.mapAsync(parallelism,
                    (KafkaRecord<String, String> record) -> client.call(record.value())));
        };
    }

    /** nanostream: Kafka → {@code Steps.partition(lanes, key)}, a blocking call in each lane → merge → Kafka. */
    static Contender partitioned(int lanes) {
        return (bootstrap, group, input, output, latency) -> {
            KafkaSource<String, String> source = source(bootstrap, group, input);
            Partition<KafkaRecord<String, String>> partition = Steps.partition(lanes, KafkaRecord::key);
            AbstractStep<String, String> merge = Steps.merge();
            for (var lane : partition.outputs()) {
                AbstractStep<KafkaRecord<String, String>, String> call = new AbstractStep<>() {
                    @Override
                    protected void process(KafkaRecord<String, String> record) throws Exception {
                        emit(blockingCall(record.value(), latency));
                    }
                };
                lane.subscribe(call);
                call.subscribe(merge);
            }
            source.subscribe(partition);
            merge.subscribe(sink(bootstrap, output));
            return started(Pipeline.from(source), () -> { });
        };
    }

    private static Running nanostream(String bootstrap, String group, String input, String output,
            AutoCloseable client, AbstractStep<KafkaRecord<String, String>, String> call) {
        KafkaSource<String, String> source = source(bootstrap, group, input);
        source.subscribe(call);
        call.subscribe(sink(bootstrap, output));
        Running running = started(Pipeline.from(source), client);
        if (!(call instanceof KeyedCallStep)) {
            return running;
        }
        KeyedCallStep<?, ?> keyed = (KeyedCallStep<?, ?>) call;
        long[] sums = new long[4]; // samples, calls in flight, items held, keys waiting
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            synchronized (sums) {
                if (keyed.held() > 0) {
                    sums[0]++;
                    sums[1] += keyed.callsInFlight();
                    sums[2] += keyed.held();
                    sums[3] += keyed.keysWaiting();
                }
            }
        }, 100, 20, TimeUnit.MILLISECONDS);
        return new Running() {
            @Override
            public void stop() throws Exception {
                sampler.shutdownNow();
                running.stop();
            }

            @Override
            public String figures() {
                synchronized (sums) {
                    long samples = Math.max(1, sums[0]);
                    return String.format(java.util.Locale.ROOT, "on average %d calls in flight, %d items held, %d keys"
                            + " waiting for a call", sums[1] / samples, sums[2] / samples, sums[3] / samples);
                }
            }
        };
    }

    private static KafkaSource<String, String> source(String bootstrap, String group, String input) {
        return KafkaSource.builder(consumerSettings(bootstrap, group), new StringDeserializer(), new StringDeserializer())
                .topics(input).build();
    }

    /**
     * Every contender's consumer: at most {@link #FETCH_BYTES} per partition and fetch, so that a
     * catch-up hands over the partitions interleaved, not each in runs of tens of thousands.
     */
    static Map<String, Object> consumerSettings(String bootstrap, String group) {
        return Map.of("bootstrap.servers", bootstrap, "group.id", group, "auto.offset.reset", "earliest",
                "max.partition.fetch.bytes", FETCH_BYTES);
    }

    private static KafkaSink<String> sink(String bootstrap, String output) {
        return KafkaSink.builder(KafkaWorkload.producerSettings(bootstrap), new StringSerializer(), new StringSerializer())
                .topic(output, (String value) -> value.substring(0, value.indexOf(';')), value -> value)
                .build();
    }

    private static Running started(Pipeline pipeline, AutoCloseable client) {
        pipeline.start();
        return () -> {
            try (client; pipeline) {
                pipeline.stop();
                pipeline.await(Duration.ofSeconds(60));
            }
        };
    }

    /**
     * Kafka Streams, at least once, with one stream thread per partition: {@code stream(input)
     * .mapValues(blocking call).to(output)}; a task runs one record at a time per partition.
     */
    static Contender kafkaStreams() {
        return (bootstrap, group, input, output, latency) -> {
            Properties settings = new Properties();
            settings.put(StreamsConfig.APPLICATION_ID_CONFIG, group);
            settings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            settings.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, PARTITIONS);
            settings.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
            settings.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
            settings.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("slow-call-streams").toString());
            settings.put("consumer.auto.offset.reset", "earliest");
            settings.put("consumer.max.partition.fetch.bytes", FETCH_BYTES);
            StreamsBuilder builder = new StreamsBuilder();
            builder.<String, String>stream(input).mapValues(value -> {
                try {
                    return blockingCall(value, latency);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }).to(output);
            KafkaStreams streams = new KafkaStreams(builder.build(), settings);
            streams.start();
            return () -> streams.close(Duration.ofSeconds(60));
        };
    }

    /**
     * The plain loop: poll, make each record's call in turn, send its output; after each poll,
     * flush and commit what it read.
     */
    static Contender plainLoop() {
        return (bootstrap, group, input, output, latency) -> {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread loop = new Thread(() -> {
                Map<String, Object> settings = new HashMap<>(consumerSettings(bootstrap, group));
                settings.put("max.poll.records", 100);
                try (var consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer());
                        var producer = new KafkaProducer<>(KafkaWorkload.producerSettings(bootstrap), new StringSerializer(),
                                new StringSerializer())) {
                    consumer.subscribe(List.of(input));
                    while (running.get()) {
                        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                            producer.send(new ProducerRecord<>(output, record.key(), blockingCall(record.value(), latency)));
                            offsets.put(new TopicPartition(record.topic(), record.partition()),
                                    new OffsetAndMetadata(record.offset() + 1));
                        }
                        producer.flush();
                        if (!offsets.isEmpty()) {
                            consumer.commitSync(offsets);
                        }
                    }
                } catch (Exception e) {
                    failure.set(e);
                }
            }, "plain-loop");
            loop.start();
            return () -> {
                running.set(false);
                loop.join(60_000);
                if (failure.get() != null) {
                    throw failure.get();
                }
            };
        };
    }
}
