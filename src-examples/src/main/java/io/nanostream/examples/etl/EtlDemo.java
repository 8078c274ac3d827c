package io.nanostream.examples.etl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.kafka.KafkaSink;
import io.nanostream.kafka.broker.EmbeddedKafka;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The ETL demo: three Kafka topics (orders, payments, shipments, as JSON) are parsed, summed per
 * customer in tumbling windows, written to a database table and published to an output topic;
 * malformed messages go to a dead-letter topic. See {@link EtlPipeline}.
 *
 * <p>With no arguments it starts an embedded Kafka broker (KRaft, from the jars Maven fetched)
 * and an embedded H2 database, generates a steady stream of sample messages (a few of them
 * malformed) for 20 seconds while it prints a progress line every two seconds, waits for the last
 * windows to close (two seconds after the input goes quiet, event time moves on with the clock),
 * then stops gracefully and prints a summary read back from the database and the topics. Ctrl-C
 * stops it early, just as gracefully: the windows still open are not written and their messages
 * not committed, so the next run computes them whole; the rest is committed and closed.
 *
 * <pre>
 * mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.etl.EtlDemo
 * mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.etl.EtlDemo \
 *     -Dexec.args="--bootstrap-servers localhost:9092 --jdbc-url jdbc:postgresql://localhost/test?user=me"
 * </pre>
 */
public final class EtlDemo {

    static final String USAGE = String.join("\n",
            "usage: EtlDemo [--bootstrap-servers HOST:PORT] [--jdbc-url URL] [--duration SECONDS] [--rate ORDERS_PER_SECOND]",
            "  --bootstrap-servers  a Kafka cluster to use (default: start an embedded broker)",
            "  --jdbc-url           a database to write to: H2, PostgreSQL, MariaDB or MySQL (default: embedded H2)",
            "  --duration           how long to generate messages, in seconds (default 20); Ctrl-C stops earlier",
            "  --rate               orders generated per second, each with about 1.4 more messages (default 500)",
            "  --topology           print the ETL pipeline as a Mermaid flowchart, and exit");

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** How long the input may be quiet before the last windows close anyway. */
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Each dead letter is logged at WARNING; the progress line counts them and the dead-letter
     * topic keeps each with its error, so the console shows only what is severe. (Held here: JUL
     * forgets the level of a logger nobody references.)
     */
    private static final java.util.logging.Logger NANOSTREAM_LOG = java.util.logging.Logger.getLogger("io.nanostream");

    private EtlDemo() {
    }

    /**
     * What to run against, and for how long.
     *
     * @param bootstrapServers a Kafka cluster, or null for an embedded broker
     * @param jdbcUrl a database, or null for an embedded H2
     * @param duration how long to generate messages
     * @param rate orders per second
     * @param window the length of the per-customer windows
     * @param progressEvery how often to print the progress line
     * @param topologyOnly print the pipeline's picture instead of running it
     */
    record Options(String bootstrapServers, String jdbcUrl, Duration duration, int rate, Duration window,
            Duration progressEvery, boolean topologyOnly) {

        /** Reads the command line; null for {@code --help}. */
        static Options parse(String... args) {
            String bootstrapServers = null;
            String jdbcUrl = null;
            Duration duration = Duration.ofSeconds(20);
            int rate = 500;
            boolean topologyOnly = false;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h")) {
                    return null;
                }
                if (option.equals("--topology")) {
                    topologyOnly = true;
                    continue;
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("option " + option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--bootstrap-servers" -> bootstrapServers = value;
                    case "--jdbc-url" -> jdbcUrl = value;
                    case "--duration" -> duration = Duration.ofSeconds(positive(option, value));
                    case "--rate" -> rate = positive(option, value);
                    default -> throw new IllegalArgumentException("unknown option: " + option);
                }
            }
            return new Options(bootstrapServers, jdbcUrl, duration, rate, Duration.ofSeconds(5), Duration.ofSeconds(2),
                    topologyOnly);
        }

        private static int positive(String option, String value) {
            try {
                int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " must be a positive whole number: " + value);
        }
    }

    /**
     * What a run did, read back from the database and the topics.
     *
     * @param orders valid orders generated
     * @param payments valid payments generated
     * @param shipments valid shipments generated
     * @param malformed malformed messages generated
     * @param read messages the ETL read
     * @param committed messages whose offsets the ETL committed, by the time it stopped
     * @param table what the table holds for this run
     * @param output what this run published to the output topic, read back
     * @param deadLetters records this run sent to the dead-letter topic
     */
    record Summary(long orders, long payments, long shipments, long malformed, long read, long committed,
            TotalsTable.Contents table, Published output, long deadLetters) {

        /** Every message generated. */
        long generated() {
            return orders + payments + shipments + malformed;
        }

        /** Whether the table holds exactly what was generated. */
        boolean tableMatches() {
            return table.orders() == orders && table.payments() == payments && table.shipments() == shipments;
        }

        /** Whether the output topic holds exactly what was generated. */
        boolean outputMatches() {
            return output.orders() == orders && output.payments() == payments && output.shipments() == shipments;
        }
    }

    /**
     * The records a run published to the output topic, and the sums they carry.
     *
     * @param records how many
     * @param orders the sum of their orders
     * @param payments the sum of their payments
     * @param shipments the sum of their shipments
     */
    record Published(long records, long orders, long payments, long shipments) {
    }

    /**
     * Runs the demo until the duration has passed or Ctrl-C, then prints a summary.
     *
     * @param args see {@link #USAGE}
     * @throws Exception if the demo fails
     */
    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(USAGE);
            return;
        }
        if (options.topologyOnly()) {
            System.out.print(topology());
            return;
        }
        NANOSTREAM_LOG.setLevel(java.util.logging.Level.SEVERE);
        // Ctrl-C (or SIGTERM) is the ETL's own: Pipeline.runUntilShutdown stops it gracefully and
        // runs the rest of the demo (the summary, the broker's close) before the JVM exits
        run(options, new CountDownLatch(1), System.out);
    }

    /**
     * Runs the demo: starts what was not given, generates messages until {@code duration} passes
     * or {@code stop} opens, lets the ETL catch up, stops it, and reports. The ETL pipeline runs
     * {@linkplain Pipeline#runUntilShutdown(Duration, Runnable) until shutdown}: a signal stops
     * it gracefully at once, and the report is made before the JVM exits.
     *
     * @throws IllegalStateException if the ETL pipeline failed (the summary is printed still)
     */
    static Summary run(Options options, CountDownLatch stop, PrintStream out) throws Exception {
        out.println("nanostream ETL demo: orders, payments, shipments (JSON) -> parse -> per customer, "
                + options.window().toSeconds() + " s windows -> table " + TotalsTable.NAME + " and topic "
                + EtlPipeline.Topics.DEFAULT.totals() + "; malformed messages -> " + EtlPipeline.Topics.DEFAULT.deadLetters());
        EmbeddedKafka broker = null;
        String bootstrapServers = options.bootstrapServers();
        if (bootstrapServers == null) {
            out.print("starting an embedded Kafka broker (KRaft) ... ");
            long started = System.nanoTime();
            broker = EmbeddedKafka.start();
            bootstrapServers = broker.bootstrapServers();
            out.printf(Locale.ROOT, "ready at %s in %.1f s%n", bootstrapServers, (System.nanoTime() - started) / 1e9);
        }
        Run run = null;
        try {
            String jdbcUrl = options.jdbcUrl() != null ? options.jdbcUrl() : "jdbc:h2:mem:etl-demo;DB_CLOSE_DELAY=-1";
            out.println("database: " + jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=***")
                    + (options.jdbcUrl() == null ? " (embedded H2)" : ""));
            run = new Run(options, bootstrapServers, jdbcUrl, broker, stop, out);
        } finally {
            if (run == null && broker != null) {
                broker.close();
            }
        }
        return run.call();
    }

    /**
     * One run of the demo against a broker and a database: the generator and the ETL pipelines,
     * the thread that ends the run when its time is up, and the report at the end.
     */
    private static final class Run {
        private final Options options;
        private final String bootstrapServers;
        private final String jdbcUrl;
        private final EmbeddedKafka broker;
        private final CountDownLatch stop;
        private final PrintStream out;
        private final EtlPipeline.Topics topics = EtlPipeline.Topics.DEFAULT;
        private final SampleEvents events;
        private final LocalDateTime since;
        private final Map<TopicPartition, Long> before;
        private final long committedBefore;
        private final Pipeline etl;
        private final Pipeline generator;
        /** Set by the first to end the run: the thread whose time is up, or the report after a signal. */
        private final java.util.concurrent.atomic.AtomicBoolean ending = new java.util.concurrent.atomic.AtomicBoolean();
        private final Thread timer = new Thread(this::endWhenTimeIsUp, "etl-demo-timer");
        private volatile Summary summary;
        /** Whether {@link #report} ran, which closes the generator and the broker. */
        private volatile boolean reported;

        Run(Options options, String bootstrapServers, String jdbcUrl, EmbeddedKafka broker, CountDownLatch stop,
                PrintStream out) throws Exception {
            this.options = options;
            this.bootstrapServers = bootstrapServers;
            this.jdbcUrl = jdbcUrl;
            this.broker = broker;
            this.stop = stop;
            this.out = out;
            createTopics(bootstrapServers, topics);
            TotalsTable.create(jdbcUrl);
            since = LocalDateTime.now(ZoneOffset.UTC);
            before = endOffsets(bootstrapServers, topics.totals(), topics.deadLetters());
            committedBefore = committed(bootstrapServers);
            events = new SampleEvents(topics, Long.MAX_VALUE, 200);
            etl = EtlPipeline.build(new EtlPipeline.Settings(bootstrapServers, jdbcUrl, topics, options.window(), QUIET,
                    EtlPipeline.GROUP, null));
            generator = generator(bootstrapServers, events, options.rate());
        }

        /** Runs the ETL until the run ends or a signal, then reports; returns the report. */
        Summary call() throws InterruptedException {
            int status;
            try {
                etl.reportProgress(options.progressEvery(), out::println);
                generator.start();
                out.printf(Locale.ROOT, "generating about %d orders/s, with payments and shipments, for %d s; Ctrl-C"
                        + " stops earlier%n", options.rate(), options.duration().toSeconds());
                timer.setDaemon(true);
                timer.start();
                status = etl.runUntilShutdown(STOP_TIMEOUT, this::report); // after a signal, the JVM exits in there
            } finally {
                if (!reported) { // the run never got going: close what was opened
                    generator.close(STOP_TIMEOUT);
                    etl.close(STOP_TIMEOUT);
                    if (broker != null) {
                        broker.close();
                    }
                }
            }
            if (status != 0) {
                throw new IllegalStateException(etl.state() == Pipeline.State.FAILED
                        ? "the ETL pipeline failed, see its error above; summary: " + summary
                        : "the summary could not be made, see the error above");
            }
            return summary;
        }

        /** When the duration has passed (or {@code stop} opened), stops the generator, lets the ETL catch up and stops it. */
        private void endWhenTimeIsUp() {
            try {
                boolean early = stop.await(options.duration().toMillis(), TimeUnit.MILLISECONDS);
                if (!ending.compareAndSet(false, true)) {
                    return; // the ETL ended first: a signal
                }
                generator.stop();
                generator.await(STOP_TIMEOUT);
                out.printf(Locale.ROOT, "%s: generated %d messages; %s%n", early ? "stopping (Ctrl-C)" : "time is up",
                        events.messages(), early ? "stopping the ETL now" : "letting the ETL catch up");
                if (!early) {
                    awaitCatchUp(etl, events.messages(), stop);
                    awaitLastWindows(jdbcUrl, since, events, stop);
                }
            } catch (InterruptedException e) {
                return; // the ETL ended, and the report is under way
            } catch (Exception e) {
                out.println("the run could not end as planned, stopping the ETL: " + e);
            }
            etl.stop();
        }

        /** Once the ETL has ended and is closed: stops the generator, reports, and closes the rest. */
        private void report() {
            reported = true;
            try {
                timer.interrupt();
                timer.join(STOP_TIMEOUT.toMillis());
                if (ending.compareAndSet(false, true)) { // the ETL ended before the run was over
                    out.printf(Locale.ROOT, "%s: generated %d messages; the ETL has stopped%n",
                            etl.state() == Pipeline.State.FAILED ? "the ETL failed" : "stopping (Ctrl-C)",
                            events.messages());
                }
                generator.close(STOP_TIMEOUT);
                Map<TopicPartition, Long> after = endOffsets(bootstrapServers, topics.totals(), topics.deadLetters());
                summary = new Summary(events.orders.get(), events.payments.get(), events.shipments.get(),
                        events.malformed.get(), etl.metrics().node(EtlPipeline.SOURCE).in(),
                        committed(bootstrapServers) - committedBefore, TotalsTable.read(jdbcUrl, since),
                        readBack(bootstrapServers, topics.totals(), before, after), added(topics.deadLetters(), before,
                        after));
                print(summary, topics, out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reporting", e);
            } catch (Exception e) {
                throw new IllegalStateException("the summary could not be read back: " + e, e);
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }

    /**
     * Returns the ETL pipeline as a Mermaid flowchart: what {@code --topology} prints, and the
     * README shows. The pipeline is built, not started: nothing connects.
     *
     * @return the flowchart's text
     */
    public static String topology() {
        return EtlPipeline.build(new EtlPipeline.Settings("localhost:9092", "jdbc:h2:mem:topology",
                EtlPipeline.Topics.DEFAULT, Duration.ofSeconds(5), QUIET, EtlPipeline.GROUP, null)).toMermaid();
    }

    /** The generator: sample events, paced, into the input topics. */
    private static Pipeline generator(String bootstrapServers, SampleEvents events, int ordersPerSecond) {
        var pace = Steps.<ProducerRecord<String, String>>throttle(
                Math.max(1, ordersPerSecond * 12 / 5 / 10), Duration.ofMillis(100)); // about 2.4 messages per order
        var toKafka = KafkaSink.builder(Map.of("bootstrap.servers", bootstrapServers, "linger.ms", 5),
                        new StringSerializer(), new StringSerializer())
                .named("to-kafka")
                .records((ProducerRecord<String, String> record) -> record)
                .build();
        events.subscribe(pace);
        pace.subscribe(toKafka);
        return Pipeline.from(events).named("generator");
    }

    /** Waits until the ETL has read every generated message, Ctrl-C, or a minute. */
    private static void awaitCatchUp(Pipeline etl, long messages, CountDownLatch stop) throws InterruptedException {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (etl.metrics().node(EtlPipeline.SOURCE).in() < messages && System.nanoTime() < deadline) {
            if (stop.await(100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /**
     * Waits until the table holds every valid message generated, Ctrl-C, or a minute: once the
     * input is quiet, the last windows close as event time moves on with the clock.
     */
    private static void awaitLastWindows(String jdbcUrl, LocalDateTime since, SampleEvents events, CountDownLatch stop)
            throws Exception {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            TotalsTable.Contents table = TotalsTable.read(jdbcUrl, since);
            if (table.orders() == events.orders.get() && table.payments() == events.payments.get()
                    && table.shipments() == events.shipments.get()) {
                return;
            }
            if (stop.await(200, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** The offsets the demo's consumer group has committed, summed over its partitions. */
    private static long committed(String bootstrapServers) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
            return admin.listConsumerGroupOffsets(EtlPipeline.GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .values().stream().filter(java.util.Objects::nonNull).mapToLong(o -> o.offset()).sum();
        }
    }

    /**
     * Creates the demo's topics where missing, and waits until every partition's leader serves
     * it: a producer that writes to a partition whose leader has not yet opened its log can have
     * its first request refused and its second written, and then retries the first until it
     * expires (KAFKA-15591).
     */
    private static void createTopics(String bootstrapServers, EtlPipeline.Topics topics) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
            List<NewTopic> wanted = new ArrayList<>();
            for (String topic : List.of(topics.orders(), topics.payments(), topics.shipments(), topics.totals(),
                    topics.deadLetters())) {
                wanted.add(new NewTopic(topic, 3, (short) 1));
            }
            Map<TopicPartition, OffsetSpec> created = new HashMap<>();
            for (var topic : admin.createTopics(wanted).values().entrySet()) {
                try {
                    topic.getValue().get(30, TimeUnit.SECONDS);
                    for (int partition = 0; partition < 3; partition++) {
                        created.put(new TopicPartition(topic.getKey(), partition), OffsetSpec.latest());
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            admin.listOffsets(created).all().get(30, TimeUnit.SECONDS); // the admin client retries until each serves
        }
    }

    /** The end offset of every partition of the topics. */
    private static Map<TopicPartition, Long> endOffsets(String bootstrapServers, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
            var descriptions = admin.describeTopics(List.of(topics)).allTopicNames().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> partitions = descriptions.values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
            return admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    /** How many records a topic gained between two readings of its end offsets. */
    private static long added(String topic, Map<TopicPartition, Long> before, Map<TopicPartition, Long> after) {
        return after.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                .mapToLong(e -> e.getValue() - before.get(e.getKey())).sum();
    }

    /** Reads the output topic's records between two readings of its end offsets, and adds them up. */
    private static Published readBack(String bootstrapServers, String topic, Map<TopicPartition, Long> before,
            Map<TopicPartition, Long> after) throws Exception {
        List<TopicPartition> partitions = after.keySet().stream().filter(p -> p.topic().equals(topic)).toList();
        long[] sums = new long[4];
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrapServers),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(partitions);
            partitions.forEach(p -> consumer.seek(p, before.get(p)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < after.get(p)) && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < after.get(new TopicPartition(record.topic(), record.partition()))) {
                        JsonNode totals = JSON.readTree(record.value());
                        sums[0]++;
                        sums[1] += totals.get("orders").asLong();
                        sums[2] += totals.get("payments").asLong();
                        sums[3] += totals.get("shipments").asLong();
                    }
                }
            }
        }
        return new Published(sums[0], sums[1], sums[2], sums[3]);
    }

    private static void print(Summary s, EtlPipeline.Topics topics, PrintStream out) {
        out.println("summary:");
        out.printf(Locale.ROOT, "  generated     %,d orders, %,d payments, %,d shipments; %,d malformed messages%n",
                s.orders(), s.payments(), s.shipments(), s.malformed());
        out.printf(Locale.ROOT, "  database      %,d rows in %s for %,d customers: %,d orders, %,d payments, %,d shipments%s%n",
                s.table().rows(), TotalsTable.NAME, s.table().customers(), s.table().orders(), s.table().payments(),
                s.table().shipments(), s.tableMatches() ? " (all that was generated)" : "");
        out.printf(Locale.ROOT, "  output topic  %,d records in %s: %,d orders, %,d payments, %,d shipments%s%n",
                s.output().records(), topics.totals(), s.output().orders(), s.output().payments(), s.output().shipments(),
                s.outputMatches() ? " (all that was generated)" : "");
        out.printf(Locale.ROOT, "  dead letters  %,d records in %s%s%n", s.deadLetters(), topics.deadLetters(),
                s.deadLetters() == s.malformed() ? " (one per malformed message)" : "");
        out.println("  top customers " + String.join(", ", s.table().topCustomers()));
        out.printf(Locale.ROOT, "  kafka         read %,d of %,d messages, committed %,d%s%n", s.read(), s.generated(),
                s.committed(), s.read() < s.generated() ? "; the rest waits in Kafka for the next run" : "");
    }
}
