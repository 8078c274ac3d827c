package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.kafka.broker.EmbeddedKafka;
import io.nanostream.testkit.CollectingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaSource.Builder#journal} against a real broker: a run whose commits never reach the
 * broker (what kill -9 does to the commits after the last that landed) leaves the records it
 * finished in its journal, and the next run skips them. The child-JVM kills of
 * {@code KafkaIntegrationTest.fiveKillsAtAdversarialMomentsLoseNothing} measure the same with SIGKILL.
 */
class KafkaJournalTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path journal;

    private EmbeddedKafka broker;
    private String topic;
    private String group;

    @BeforeEach
    void topic() throws Exception {
        broker = EmbeddedKafka.shared();
        String run = UUID.randomUUID().toString().substring(0, 8);
        topic = "journal-" + run;
        group = "journal-" + run;
        broker.createTopics(1, topic);
    }

    private void produce(int from, int to) throws Exception {
        broker.produce(IntStream.range(from, to).mapToObj(i -> new ProducerRecord<>(topic, "k", String.valueOf(i)))
                .collect(Collectors.toList()));
    }

    /** A consumer whose commits, once {@code lost} is set, never reach the broker. */
    private static Consumer<byte[], byte[]> losingCommits(Map<String, Object> config, AtomicBoolean lost) {
        return new KafkaConsumer<>(config) {
            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
                if (!lost.get()) {
                    super.commitSync(offsets, timeout);
                }
            }

            @Override
            public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
                if (!lost.get()) {
                    super.commitAsync(offsets, callback);
                }
            }
        };
    }

    private KafkaSource.Builder<String, String> source(AtomicBoolean lost) {
        return KafkaSource.builder(Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", group,
                        "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())
                .topics(topic)
                .consumerFactory(config -> losingCommits(config, lost));
    }

    /** Runs the source into a collecting sink until it collected {@code count} values; returns them and the skips. */
    private List<String> run(KafkaSource<String, String> source, int count, AtomicBoolean loseCommitsAfter,
            long[] alreadyProcessed) throws Exception {
        CollectingSink<String> sink = new CollectingSink<>();
        var values = Steps.<KafkaRecord<String, String>, String>map(KafkaRecord::value);
        source.subscribe(values);
        values.subscribe(sink);
        List<String> got;
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            got = new ArrayList<>(sink.awaitCount(count, TIMEOUT));
            loseCommitsAfter.set(true); // the stop's commit is lost too, as with kill -9
            pipeline.stop();
            pipeline.await(TIMEOUT);
            alreadyProcessed[0] = pipeline.metrics().node("KafkaSource").alreadyProcessed();
        }
        return got;
    }

    @Test
    void aRestartSkipsTheRecordsTheLastRunFinishedAfterItsLastCommit() throws Exception {
        produce(0, 100);
        long[] skipped = new long[1];
        AtomicBoolean lost = new AtomicBoolean();
        // its commits every 1 000 records: none lands but the one at the start of the partition
        List<String> first = run(source(lost).journal(journal).commitEvery(1_000, Duration.ofHours(1)).build(), 100, lost,
                skipped);
        assertEquals(values(0, 100), first);

        produce(100, 110);
        List<String> second = run(source(new AtomicBoolean()).journal(journal).build(), 10, new AtomicBoolean(), skipped);

        assertEquals(values(100, 110), second, "the first run's 100 are not processed again");
        assertEquals(100, skipped[0], "counted as already processed");
    }

    @Test
    void withoutAJournalTheSameRestartProcessesThemAgain() throws Exception {
        produce(0, 100);
        long[] skipped = new long[1];
        AtomicBoolean lost = new AtomicBoolean();
        run(source(lost).journal(journal).commitEvery(1_000, Duration.ofHours(1)).build(), 100, lost, skipped);

        produce(100, 110);
        List<String> second = run(source(new AtomicBoolean()).build(), 110, new AtomicBoolean(), skipped);

        assertEquals(values(0, 110), second);
    }

    @Test
    void exactlyOnceRefusesAJournal() {
        var builder = source(new AtomicBoolean()).journal(journal)
                .exactlyOnce(Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", group));

        IllegalStateException refused = assertThrows(IllegalStateException.class, builder::build);
        assertTrue(refused.getMessage().contains("drop journal"), refused.getMessage());
    }

    private static List<String> values(int from, int to) {
        return IntStream.range(from, to).mapToObj(String::valueOf).collect(Collectors.toList());
    }
}
