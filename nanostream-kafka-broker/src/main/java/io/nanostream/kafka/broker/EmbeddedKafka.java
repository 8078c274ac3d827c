package io.nanostream.kafka.broker;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one), for tests, demos and
 * benchmarks: no installation, no Docker. It runs the Kafka jars of this JVM's class path (this
 * module brings them) in a JVM of its own, on free loopback ports and a new temporary directory,
 * so a test can stop, kill and restart it like a real server. Starting takes a few seconds.
 *
 * <p>{@link #shared()} gives one broker per JVM, started on first use and stopped when the JVM
 * exits: what a test suite wants. A test that stops or restarts the broker starts its own with
 * {@link #start()} and closes it.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     kafka.createTopics(3, "orders");
 *     kafka.produce(List.of(new ProducerRecord<>("orders", "c1", "{\"amount\": 12}")));
 *     List<String> values = kafka.readValues("orders", 1, Duration.ofSeconds(30));
 *     // values: ["{\"amount\": 12}"]; give kafka.bootstrapServers() to a KafkaSource or KafkaSink
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static EmbeddedKafka shared;

    private final Path dir;
    private final Path config;
    private final int port;
    private Process process;

    private EmbeddedKafka() throws IOException {
        this.dir = Files.createTempDirectory("nanostream-kafka-");
        this.port = freePort();
        int controllerPort = freePort();
        this.config = dir.resolve("server.properties");
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dir.resolve("data").toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "3");
        try (var out = Files.newBufferedWriter(config)) {
            props.store(out, "nanostream embedded broker");
        }
        run("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString());
    }

    /**
     * Returns the broker shared by this JVM, started on first use and stopped when the JVM exits.
     *
     * @return the shared broker, serving
     * @throws IOException if its directory or configuration cannot be written
     * @throws IllegalStateException if it does not start serving within 90 seconds
     */
    public static synchronized EmbeddedKafka shared() throws IOException {
        if (shared == null) {
            EmbeddedKafka broker = start();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
            shared = broker;
        }
        return shared;
    }

    /**
     * Starts a broker of the caller's own, and waits until it serves. It runs in a process of its
     * own, which also stops when this JVM exits, however it exits (after the JVM's shutdown hooks,
     * which may still use it); only {@link #close} deletes its directory.
     *
     * @return the broker; close it to stop it
     * @throws IOException if its directory or configuration cannot be written
     * @throws IllegalStateException if it does not start serving within 90 seconds
     */
    public static EmbeddedKafka start() throws IOException {
        EmbeddedKafka broker = new EmbeddedKafka();
        broker.startProcess();
        return broker;
    }

    /**
     * Returns the address clients connect to.
     *
     * @return {@code host:port}
     */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /**
     * Returns consumer settings for this broker: its address, the group, and reading from the
     * earliest offset when the group has none.
     *
     * @param group the consumer group
     * @return the settings
     */
    public Map<String, Object> consumerConfig(String group) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    }

    /**
     * Returns producer settings for this broker: its address and a 5 ms linger.
     *
     * @return the settings
     */
    public Map<String, Object> producerConfig() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5);
    }

    /**
     * Stops the broker gracefully (SIGTERM) and waits until it has exited; {@link #restart()}
     * starts it again.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /**
     * Starts the stopped broker again, on the same port and data, and waits until it serves.
     *
     * @throws IOException if the broker's process cannot be started
     * @throws IllegalStateException if it does not start serving within 90 seconds
     */
    public void restart() throws IOException {
        startProcess();
    }

    /**
     * Creates topics, each with the given number of partitions and one replica, and waits until
     * every partition has a leader that serves it ({@link #awaitServing}), so that records sent
     * next are not held back waiting for one.
     *
     * @param partitions partitions per topic
     * @param topics the topics' names
     * @throws Exception if the broker refuses, or does not answer within 30 seconds
     * @throws IllegalStateException if some partition has no leader after 30 seconds
     */
    public void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> newTopics = new ArrayList<>();
            for (String topic : topics) {
                newTopics.add(new NewTopic(topic, partitions, (short) 1));
            }
            admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
        }
        awaitServing(topics);
    }

    /**
     * Waits until every partition of the topics has a leader that serves it: after
     * {@link #createTopics} or a {@link #restart}, so that records sent next are not held back
     * waiting for one (while they wait, a pipeline's inputs are quiet, and its event time may move
     * on with the clock past the times they carry).
     *
     * <p>Serving is more than having a leader: the broker's metadata names the leader before the
     * leader has opened the partition's log. A producer with several requests in flight that
     * writes in between can have its first request refused and its second written, after which
     * Kafka's idempotent producer retries the first until {@code delivery.timeout.ms} expires it
     * (KAFKA-15591, seen here with 4.4.0). So this method waits until each partition answers a
     * request for its end offset, which its leader answers only once the log is open.
     *
     * @param topics the topics' names
     * @throws Exception if the broker does not answer within 30 seconds
     * @throws IllegalStateException if some partition has no leader after 30 seconds
     */
    public void awaitServing(String... topics) throws Exception {
        try (Admin admin = admin()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<String> leaderless = leaderless(admin, List.of(topics));
            while (!leaderless.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("partitions without a leader after 30 s: " + leaderless
                            + "; " + this + ":\n" + tail(dir.resolve("broker.log")));
                }
                Thread.sleep(50); // polling the broker's metadata: there is nothing to wait on
                leaderless = leaderless(admin, List.of(topics));
            }
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            admin.describeTopics(List.of(topics)).allTopicNames().get(30, TimeUnit.SECONDS).values()
                    .forEach(topic -> topic.partitions().forEach(partition -> ends.put(
                            new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest())));
            admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS); // the admin client retries until the leader serves
        }
    }

    private static List<String> leaderless(Admin admin, List<String> topics) throws Exception {
        try {
            return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(topic -> topic.partitions().stream().filter(p -> p.leader() == null || p.leader().isEmpty())
                            .map(p -> topic.name() + "-" + p.partition()))
                    .collect(Collectors.toList());
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return topics; // created, not yet in the broker's metadata
            }
            throw e;
        }
    }

    /**
     * Writes string records and waits until the broker has acknowledged them all.
     *
     * @param records the records
     * @throws Exception if a record is refused
     * @throws IllegalStateException if some record is not acknowledged within 60 seconds; the
     *     message holds the end of the broker's log
     */
    public void produce(List<ProducerRecord<String, String>> records) throws Exception {
        try (var producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (ProducerRecord<String, String> record : records) {
                sent.add(producer.send(record));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException(i + " of " + sent.size() + " records acknowledged after 60 s; "
                            + (process.isAlive() ? "" : "the broker has exited; ") + this + ":\n"
                            + tail(dir.resolve("broker.log")), e);
                }
            }
        }
    }

    /** A consumer outside any group, assigned every partition of a topic, at the beginning. */
    private KafkaConsumer<String, String> fromBeginning(String topic) {
        Map<String, Object> settings = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // what transactions committed, no more
        var consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toList());
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /**
     * Reads everything a topic holds now, from the beginning, without a consumer group. Like every
     * read here it is {@code read_committed}: records of transactions still open or aborted are
     * not read, and "now" is up to the first transaction still open. A transaction whose commit
     * has just returned to its producer stays open on the partitions until the broker has written
     * its commit markers, a few milliseconds later: so that it is read, this waits up to 5 seconds
     * for every partition's last stable offset to reach its end.
     *
     * @param topic the topic
     * @return its records, as strings, in order within each partition
     * @throws IllegalStateException if the topic cannot be read to its end within 60 seconds
     */
    public List<ConsumerRecord<String, String>> readAll(String topic) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (var consumer = fromBeginning(topic);
                var uncommitted = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers()), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>(consumer.assignment());
            Map<TopicPartition, Long> stable = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long stableBy = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!stable.equals(uncommitted.endOffsets(partitions, Duration.ofSeconds(30)))
                    && System.nanoTime() < stableBy) {
                consumer.poll(Duration.ofMillis(20)).forEach(read::add);
                stable = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            }
            Map<TopicPartition, Long> ends = stable;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(30)) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + ends);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }

    /**
     * Reads a topic from the beginning, without a consumer group, until it has read at least
     * {@code count} records or the timeout passes.
     *
     * @param topic the topic
     * @param count how many records to wait for
     * @param timeout how long to wait
     * @return what it read, possibly fewer than {@code count} records
     */
    public List<ConsumerRecord<String, String>> read(String topic, int count, Duration timeout) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (var consumer = fromBeginning(topic)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (read.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }

    /**
     * Like {@link #read}, returning the values only.
     *
     * @param topic the topic
     * @param count how many records to wait for
     * @param timeout how long to wait
     * @return the values read, possibly fewer than {@code count}
     */
    public List<String> readValues(String topic, int count, Duration timeout) {
        return read(topic, count, timeout).stream().map(ConsumerRecord::value).collect(Collectors.toList());
    }

    /**
     * Returns an admin client for this broker; close it after use.
     *
     * @return a new admin client
     */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /**
     * Returns the directory the broker keeps its configuration, logs and data in, a temporary
     * directory of its own that {@link #close()} deletes.
     *
     * @return the directory
     */
    public Path directory() {
        return dir;
    }

    /**
     * Stops the broker, if it runs, waits until it has exited, and deletes its
     * {@linkplain #directory() directory}: its data and logs are gone.
     */
    @Override
    public void close() {
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deleteDirectory();
        }
    }

    /** Deletes the broker's directory, deepest first; what cannot be deleted is left. */
    private void deleteDirectory() {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // already gone, or unreadable: nothing more to do
        }
    }

    private void startProcess() throws IOException {
        // Lives as long as this JVM: stopped when it exits, however it exits, after its shutdown hooks.
        ProcessBuilder broker = java(WhileParentLives.class.getName(), "kafka.Kafka", config.toString());
        if (Files.isExecutable(SETSID)) {
            // A session of its own: Ctrl-C in the terminal reaches the program, which can still
            // commit and flush to this broker while it stops, and then stops the broker itself.
            broker.command().add(0, SETSID.toString());
        }
        process = broker.redirectOutput(dir.resolve("broker.log").toFile()).start();
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue() + "; see " + dir.resolve("broker.log")
                        + ":\n" + tail(dir.resolve("broker.log")));
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the broker to serve", e);
            }
        }
        throw new IllegalStateException("the broker did not serve within " + READY_TIMEOUT + "; see " + dir.resolve("broker.log"), last);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void run(String mainClass, String... args) throws IOException {
        Path log = dir.resolve(mainClass + ".log");
        Process tool = java(mainClass, args).redirectOutput(log.toFile()).start();
        try {
            if (!tool.waitFor(120, TimeUnit.SECONDS) || tool.exitValue() != 0) {
                throw new IllegalStateException(mainClass + " failed:\n" + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns a command that runs {@code mainClass} in a new JVM on this JVM's class path, with
     * a 512 MB heap and its error output merged into its output: how the broker runs, and how a
     * test runs a pipeline it can kill. Where this class was loaded by a class loader of its own
     * ({@code mvn exec:java}, say), that loader's class path is used.
     *
     * @param mainClass the class whose {@code main} to run
     * @param args its arguments
     * @return the command, not started
     */
    public static ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(classPath());
        command.add(mainClass);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    private static String classPath() {
        ClassLoader loader = EmbeddedKafka.class.getClassLoader();
        if (loader == ClassLoader.getSystemClassLoader()) {
            return System.getProperty("java.class.path");
        }
        List<String> entries = new ArrayList<>();
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            if (l instanceof java.net.URLClassLoader urls) {
                for (java.net.URL url : urls.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (java.net.URISyntaxException | IllegalArgumentException notAFile) {
                        // not a local file: the child JVM could not use it anyway
                    }
                }
            }
        }
        return entries.isEmpty() ? System.getProperty("java.class.path") : String.join(File.pathSeparator, entries);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "Kafka broker at " + bootstrapServers() + " (" + dir + File.separator + "broker.log)";
    }
}
