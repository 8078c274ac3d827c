package io.nanostream.kafka;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The integration tests' pipeline: orders {@code "id,amount"} from several topics → parse →
 * keep amounts not divisible by 10 → (optionally a slow call for some orders, in each customer's
 * order: {@code Steps.mapAsyncByKey}) → the order id to an output topic; what does not parse goes to a dead-letter topic. Runs in the test's JVM, or in a child JVM through {@link #main}, which a
 * test can kill.
 */
final class OrdersEtl {

    /** What the pipeline is built from. */
    record Settings(String bootstrapServers, String group, List<String> inputs, String output, String deadLetters,
            int commitEvery, int ratePerSecond, String instanceId, int maxInFlight, int slowEvery, String transactionalId,
            String journal) {
        Settings(String bootstrapServers, String group, List<String> inputs, String output, String deadLetters,
                int commitEvery, int ratePerSecond) {
            this(bootstrapServers, group, inputs, output, deadLetters, commitEvery, ratePerSecond, null, 50, 0, null, null);
        }

        /** The same pipeline, exactly-once with this transactional id, every parsed order's id also to {@link #everyOrder}. */
        Settings exactlyOnce(String id) {
            return new Settings(bootstrapServers, group, inputs, output, deadLetters, commitEvery, ratePerSecond, instanceId,
                    maxInFlight, slowEvery, id, journal);
        }
    }

    /** With exactly-once: the topic every parsed order's id goes to as well, before the filter. */
    static String everyOrder(String output) {
        return output + "-all";
    }

    /** How long the slow call of every {@code slowEvery}th order takes; the others answer at once. */
    static final Duration SLOW_CALL = Duration.ofMillis(300);

    /** A parsed order. */
    record Order(String id, int amount) {
        static Order parse(String value) {
            String[] fields = value.split(",");
            return new Order(fields[0], Integer.parseInt(fields[1]));
        }
    }

    private OrdersEtl() {
    }

    static Pipeline build(Settings settings) {
        // a member that dies (the crash test kills one) is replaced after 10 s rather than 45
        Map<String, Object> consumer = new java.util.HashMap<>(Map.of("bootstrap.servers", settings.bootstrapServers(),
                "group.id", settings.group(), "auto.offset.reset", "earliest", "session.timeout.ms", 10_000,
                "heartbeat.interval.ms", 1_000));
        Map<String, Object> producer = Map.of("bootstrap.servers", settings.bootstrapServers(), "linger.ms", 5);
        KafkaSource.Builder<String, String> builder = KafkaSource.builder(consumer, new StringDeserializer(),
                new StringDeserializer());
        if (settings.instanceId() != null) {
            builder.groupInstanceId(settings.instanceId()); // a restart takes its partitions straight back
        }
        if (settings.transactionalId() != null) {
            builder.exactlyOnce(Map.of("bootstrap.servers", settings.bootstrapServers(), "transactional.id",
                    settings.transactionalId(), "linger.ms", 5));
        }
        if (settings.journal() != null) {
            builder.journal(java.nio.file.Path.of(settings.journal())); // a restart skips what was finished since the last commit
        }
        if (settings.commitEvery() > 0) { // else the defaults
            builder.commitEvery(settings.commitEvery(), Duration.ofHours(1));
        }
        KafkaSource<String, String> source = builder
                .topics(settings.inputs().toArray(new String[0]))
                .stopTimeout(Duration.ofSeconds(20))
                .build();
        AbstractStep<KafkaRecord<String, String>, Order> parse = Steps.<KafkaRecord<String, String>, Order>map(
                record -> Order.parse(record.value()))
                .named("parse")
                .withErrorPolicy(ErrorPolicy.deadLetter(KafkaSink.deadLetters(settings.deadLetters(), producer)));
        AbstractStep<Order, Order> keep = Steps.filter(order -> order.amount() % 10 != 0);
        KafkaSink<Order> sink = KafkaSink.builder(producer, new StringSerializer(), new StringSerializer())
                .topic(settings.output(), Order::id, Order::id)
                .maxInFlight(settings.maxInFlight())
                .build();
        source.subscribe(parse);
        if (settings.transactionalId() != null) { // a second sink: a record's outputs go two ways
            parse.subscribe(KafkaSink.builder(producer, new StringSerializer(), new StringSerializer())
                    .named("every order")
                    .topic(everyOrder(settings.output()), Order::id, Order::id)
                    .build());
        }
        if (settings.ratePerSecond() > 0) {
            AbstractStep<Order, Order> pace = Steps.throttle(settings.ratePerSecond(), Duration.ofSeconds(1));
            parse.subscribe(pace);
            pace.subscribe(keep);
        } else {
            parse.subscribe(keep);
        }
        if (settings.slowEvery() > 0) {
            AbstractStep<Order, Order> call = Steps.mapAsyncByKey(OrdersEtl::customer, 1_024,
                    (Order order) -> lookUp(order, settings.slowEvery()));
            keep.subscribe(call);
            call.subscribe(sink);
        } else {
            keep.subscribe(sink);
        }
        return Pipeline.from(source);
    }

    /** The customer an order is for, one of {@link #CUSTOMERS}: the slow call keeps each customer's order. */
    static int customer(Order order) {
        return order.amount() % CUSTOMERS;
    }

    /** How many customers the orders are for: a prime, so that the slow calls fall on all of them alike. */
    static final int CUSTOMERS = 997;

    /**
     * A call to another service for an order, as an ETL makes: most answer at once, every
     * {@code slowEvery}th takes {@link #SLOW_CALL}, so records finish out of their order.
     */
    private static CompletionStage<Order> lookUp(Order order, int slowEvery) {
        if (Integer.parseInt(order.id().substring("order-".length())) % slowEvery != 1) { // 0 mod 10 is filtered out
            return CompletableFuture.completedFuture(order);
        }
        return CompletableFuture.supplyAsync(() -> order,
                CompletableFuture.delayedExecutor(SLOW_CALL.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** The input records: {@code count} orders spread over the topics, every {@code poisonEvery}th unreadable. */
    static List<ProducerRecord<String, String>> orders(List<String> topics, int count, int poisonEvery) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String topic = topics.get(i % topics.size());
            String value = poisonEvery > 0 && i % poisonEvery == poisonEvery - 1 ? "poison-" + i + ",x" : "order-" + i + "," + i;
            records.add(new ProducerRecord<>(topic, String.valueOf(i), value));
        }
        return records;
    }

    /**
     * {@code records} cut into {@code count} parts of equal size, in order: a crash test produces
     * one before each child it kills, so that each has records to process however fast the ones
     * before it were.
     */
    static <T> java.util.Iterator<List<T>> parts(List<T> records, int count) {
        List<List<T>> parts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            parts.add(records.subList(records.size() * i / count, records.size() * (i + 1) / count));
        }
        return parts.iterator();
    }

    /** The ids the output topic must hold for {@link #orders}. */
    static List<String> expectedIds(int count, int poisonEvery) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean poison = poisonEvery > 0 && i % poisonEvery == poisonEvery - 1;
            if (!poison && i % 10 != 0) {
                ids.add("order-" + i);
            }
        }
        return ids;
    }

    /**
     * Runs the pipeline until the JVM is killed or stopped. Arguments: bootstrap servers, group,
     * output topic, dead-letter topic, commitEvery, ratePerSecond, the static member id (or -), the
     * sink's maxInFlight, slowEvery (0 for no slow calls), the transactional id (or - for at least
     * once), then the input topics.
     *
     * @param args the arguments
     * @throws Exception if the pipeline fails
     */
    public static void main(String[] args) throws Exception {
        Settings settings = new Settings(args[0], args[1], List.of(args).subList(11, args.length), args[2], args[3],
                Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6].equals("-") ? null : args[6],
                Integer.parseInt(args[7]), Integer.parseInt(args[8]), args[9].equals("-") ? null : args[9],
                args[10].equals("-") ? null : args[10]);
        try (Pipeline pipeline = build(settings); var rebalances = new jdk.jfr.consumer.RecordingStream()) {
            // what the scale-out test counts: each change of this instance's partitions
            rebalances.enable("io.nanostream.kafka.Rebalance");
            rebalances.onEvent("io.nanostream.kafka.Rebalance", event -> System.out.printf("rebalance %s %d %s%n",
                    event.getString("change"), event.getStartTime().toEpochMilli(), event.getString("partitions")));
            rebalances.startAsync();
            pipeline.reportProgress(Duration.ofSeconds(5), System.out::println); // what a stalled child was doing
            System.out.println("running");
            int status = pipeline.runUntilShutdown(Duration.ofSeconds(60)); // SIGTERM: a graceful stop
            System.out.println("ended " + pipeline.state());
            System.exit(status);
        }
    }
}
