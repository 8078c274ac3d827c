package io.nanostream.kafka;

import io.nanostream.kafka.broker.EmbeddedKafka;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the tests of {@link OrdersEtl} against a real broker share: the topics of one run, named
 * after a fresh run id, so that runs on the shared broker never meet.
 */
abstract class OrdersTopics {

    /** The broker the tests share, unless a test starts its own. */
    EmbeddedKafka broker;

    /** The run id, in every topic and group name of the run. */
    String run;
    /** The three input topics. */
    List<String> inputs;
    /** The output topic; its companion {@link OrdersEtl#everyOrder} is made too. */
    String output;
    String deadLetters;

    @BeforeEach
    void topics() throws Exception {
        broker = EmbeddedKafka.shared();
        useTopics(broker, inputPartitions());
    }

    /** The partitions of each input topic the shared broker's run gets. */
    int inputPartitions() {
        return 3;
    }

    /** Makes a new run's topics: the inputs with {@code partitions} partitions each, the outputs with three. */
    void useTopics(EmbeddedKafka on, int partitions) throws Exception {
        run = UUID.randomUUID().toString().substring(0, 8);
        inputs = List.of("orders-" + run, "payments-" + run, "shipments-" + run);
        output = "out-" + run;
        deadLetters = "dlq-" + run;
        on.createTopics(partitions, inputs.toArray(new String[0]));
        on.createTopics(3, output, OrdersEtl.everyOrder(output), deadLetters);
    }

    /**
     * Reads a topic, read_committed, until it holds every expected id, running {@code betweenReads}
     * between two looks; returns every id read, duplicates included.
     *
     * @throws AssertionError naming the ids missing after {@code timeout}
     */
    static List<String> awaitIds(EmbeddedKafka on, String topic, Collection<String> expected, Duration timeout,
            Runnable betweenReads) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> read = List.of();
        while (System.nanoTime() < deadline) {
            read = on.readAll(topic).stream().map(ConsumerRecord::value).collect(Collectors.toList());
            if (new HashSet<>(read).containsAll(expected)) {
                return read;
            }
            betweenReads.run();
            on.read(topic, read.size() + 1, Duration.ofSeconds(2)); // waits for more, or two seconds
        }
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(read);
        throw new AssertionError(missing.size() + " of " + expected.size() + " ids never reached " + topic + ", e.g. "
                + missing.stream().limit(5).collect(Collectors.toList()));
    }

    /** How many ids are there more than once. */
    static int duplicates(List<String> ids) {
        return ids.size() - new HashSet<>(ids).size();
    }
}
