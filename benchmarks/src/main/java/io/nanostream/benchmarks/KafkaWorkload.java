package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.kafka.KafkaRecord;
import io.nanostream.kafka.KafkaSink;
import io.nanostream.kafka.KafkaSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka benchmark's work, the same for both contenders: read every record of three topics,
 * parse it, keep the orders of at least 500, write {@code id,customer,amount} to an output topic,
 * at least once: an input's offset is committed only after its output was acknowledged.
 */
final class KafkaWorkload {

    static final List<String> INPUTS = List.of("orders-eu", "orders-us", "orders-asia");
    static final String OUTPUT = "large-orders";

    /** A parsed order. */
    record Order(long id, String customer, int amount) {
        static Order parse(String value) {
            String[] fields = value.split(";", 4);
            return new Order(Long.parseLong(fields[0].substring(3)), fields[1].substring(9),
                    Integer.parseInt(fields[2].substring(7)));
        }

        boolean large() {
            return amount >= 500;
        }

        String line() {
            return id + "," + customer + "," + amount;
        }
    }

    private KafkaWorkload() {
    }

    /** About 200 bytes: {@code id=<n>;customer=c<k>;amount=<a>;note=...}. */
    static String value(long id) {
        String head = "id=" + id + ";customer=c" + (id % 1000) + ";amount=" + (id * 7919 % 1000) + ";note=";
        return head + "x".repeat(Math.max(0, 200 - head.length()));
    }

    /** How many of the first {@code records} orders are large. */
    static long expectedOutputs(long records) {
        long large = 0;
        for (long id = 0; id < records; id++) {
            if (Order.parse(value(id)).large()) {
                large++;
            }
        }
        return large;
    }

    /** Writes {@code records} orders round-robin over the input topics; returns once all are acknowledged. */
    static void load(String bootstrapServers, long records) throws Exception {
        var settings = producerSettings(bootstrapServers);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
            for (long id = 0; id < records; id++) {
                producer.send(new ProducerRecord<>(INPUTS.get((int) (id % INPUTS.size())), "c" + (id % 1000), value(id)),
                        (metadata, error) -> {
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

    static Map<String, Object> consumerSettings(String bootstrapServers, String group) {
        return Map.of("bootstrap.servers", bootstrapServers, "group.id", group, "auto.offset.reset", "earliest");
    }

    static Map<String, Object> producerSettings(String bootstrapServers) {
        return Map.of("bootstrap.servers", bootstrapServers, "linger.ms", 5, "batch.size", 65_536);
    }

    /** nanostream: KafkaSource -> map(parse) -> filter(large) -> KafkaSink, until {@code records} were read. */
    static void nanostream(String bootstrapServers, String group, long records) throws Exception {
        nanostream(bootstrapServers, group, records, false);
    }

    /**
     * The same pipeline, with {@code exactlyOnce}: the outputs and the offsets committed in
     * Kafka transactions, at its default commit interval (100 ms).
     */
    static void nanostreamExactlyOnce(String bootstrapServers, String group, long records) throws Exception {
        nanostream(bootstrapServers, group, records, true);
    }

    private static void nanostream(String bootstrapServers, String group, long records, boolean exactlyOnce)
            throws Exception {
        KafkaSource.Builder<String, String> builder = KafkaSource.builder(consumerSettings(bootstrapServers, group),
                        new StringDeserializer(), new StringDeserializer())
                .topics(INPUTS.toArray(new String[0]))
                .maxRecords(records);
        if (exactlyOnce) {
            Map<String, Object> transactional = new HashMap<>(producerSettings(bootstrapServers));
            transactional.put("transactional.id", group);
            builder.exactlyOnce(transactional);
        }
        KafkaSource<String, String> source = builder.build();
        AbstractStep<KafkaRecord<String, String>, Order> parse = Steps.map(record -> Order.parse(record.value()));
        AbstractStep<Order, Order> large = Steps.filter(Order::large);
        KafkaSink<Order> sink = KafkaSink.builder(producerSettings(bootstrapServers),
                        new StringSerializer(), new StringSerializer())
                .topic(OUTPUT, Order::customer, Order::line)
                .build();
        source.subscribe(parse);
        parse.subscribe(large);
        large.subscribe(sink);
        Chain.runToEnd(Pipeline.from(source), Duration.ofMinutes(10));
    }

    /**
     * The hand-written loop: poll, parse, filter, send; after each poll, flush the producer (every
     * output acknowledged) and only then commit what the poll read.
     */
    static void rawLoop(String bootstrapServers, String group, long records) {
        try (var consumer = new KafkaConsumer<>(consumerSettings(bootstrapServers, group),
                        new StringDeserializer(), new StringDeserializer());
                var producer = new KafkaProducer<>(producerSettings(bootstrapServers),
                        new StringSerializer(), new StringSerializer())) {
            consumer.subscribe(INPUTS);
            AtomicReference<Exception> failure = new AtomicReference<>();
            long read = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (read < records) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the raw loop read " + read + " of " + records + " in 10 minutes");
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    if (read == records) {
                        break;
                    }
                    read++;
                    Order order = Order.parse(record.value());
                    if (order.large()) {
                        producer.send(new ProducerRecord<>(OUTPUT, order.customer(), order.line()), (metadata, error) -> {
                            if (error != null) {
                                failure.compareAndSet(null, error);
                            }
                        });
                    }
                    offsets.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
                producer.flush();
                if (failure.get() != null) {
                    throw new IllegalStateException("a send failed", failure.get());
                }
                if (!offsets.isEmpty()) {
                    consumer.commitAsync(offsets, null);
                }
            }
            consumer.commitSync();
        }
    }
}
