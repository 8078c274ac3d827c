package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.DeadLetter;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@link KafkaSink} over a {@code MockProducer} whose sends the test completes by hand. */
class KafkaSinkTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final MockProducer<String, String> producer =
            new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());

    private KafkaSink.Builder<String, String, String> sink() {
        return upperCase().producerFactory(config -> producer);
    }

    /** A sink of upper-cased items, to topic "out", whose producer is not given yet. */
    private static KafkaSink.Builder<String, String, String> upperCase() {
        return KafkaSink.builder(Map.of("bootstrap.servers", "unused"), new StringSerializer(),
                        new StringSerializer())
                .topic("out", (String item) -> "key-" + item, item -> item.toUpperCase());
    }

    /** Pushes the items and leaves the source open: the end of input flushes, which completes every send. */
    private static InMemorySource<String> open(String... items) {
        InMemorySource<String> source = InMemorySource.manual();
        for (String item : items) {
            source.push(item);
        }
        return source;
    }

    private void awaitSent(int count) {
        Await.until(() -> producer.history().size() >= count, TIMEOUT, () -> count + " sends; sent " + producer.history());
    }

    @Test
    void theProducerIsMadeAtTheStartAndClosedAtTheEndSoASinkNeverStartedHoldsNone() throws Exception {
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        KafkaSink.Builder<String, String, String> counting = upperCase().producerFactory(config -> {
            made.incrementAndGet();
            return producer;
        });
        var idle = InMemorySource.of("a");
        idle.subscribe(counting.build());
        Pipeline built = Pipeline.from(idle);
        assertEquals(0, made.get(), "built, not started");
        built.close();
        assertEquals(0, made.get(), "closed, never started");

        var source = InMemorySource.of("a");
        source.subscribe(counting.build());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            awaitSent(1);
            producer.completeNext();
            pipeline.await(TIMEOUT);
        }
        assertEquals(1, made.get());
        assertTrue(producer.closed(), "closed at the end");
    }

    @Test
    void aConfigurationWithoutBrokersFailsAtBuildSayingWhatToAdd() {
        var error = assertThrows(IllegalArgumentException.class, () -> KafkaSink.builder(
                Map.of("acks", "all"), new StringSerializer(), new StringSerializer()).topic("out", (String item) -> item, item -> item).build());

        assertEquals("the producer configuration of sink 'KafkaSink' has no bootstrap.servers: add the brokers to"
                + " connect to, such as \"localhost:9092\"", error.getMessage());
        KafkaSink.builder(Map.of(), new StringSerializer(), new StringSerializer())
                .topic("out", (String item) -> item, item -> item).producerFactory(config -> producer).build(); // a mock needs no brokers
    }

    @Test
    void aSettingGivenTwiceFailsAtOnceNamingTheValueItHas() {
        var builder = sink().named("totals").maxInFlight(100);

        var twice = assertThrows(IllegalStateException.class, () -> builder.maxInFlight(200));
        assertEquals("maxInFlight was already set to 100; set it once", twice.getMessage());
        twice = assertThrows(IllegalStateException.class, () -> builder.named("other"));
        assertEquals("named was already set to 'totals'; set it once", twice.getMessage());
        var both = assertThrows(IllegalStateException.class, () -> builder.records((String item) -> new ProducerRecord<>("x", item)));
        assertEquals("topic was already set to 'out'; set topic or records, not both", both.getMessage());
        assertEquals("totals", builder.build().name(), "the first setting stands");
    }

    @Test
    void acknowledgesAnItemOnlyOnceTheBrokerHas() throws Exception {
        var source = open("a", "b", "c");
        source.subscribe(sink().build());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            awaitSent(3);
            assertEquals(List.of(), source.acknowledged());

            producer.completeNext();
            producer.completeNext();
            Await.until(() -> source.acknowledged().size() == 2, TIMEOUT, () -> "two acknowledgements");
            assertEquals(List.of("a", "b"), source.acknowledged());
            producer.completeNext();
            Await.until(() -> source.acknowledged().size() == 3, TIMEOUT, () -> "three acknowledgements");

            source.complete();
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of("a", "b", "c"), source.acknowledged());
        assertEquals(List.of(new ProducerRecord<>("out", "key-a", "A"), new ProducerRecord<>("out", "key-b", "B"),
                new ProducerRecord<>("out", "key-c", "C")), producer.history());
        assertTrue(producer.closed());
    }

    @Test
    void boundsTheSendsUnderWay() throws Exception {
        var source = open("a", "b", "c", "d", "e");
        source.subscribe(sink().maxInFlight(2).build());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            awaitSent(2);
            assertEquals(2, producer.history().size());

            for (int sent = 3; sent <= 5; sent++) {
                producer.completeNext();
                awaitSent(sent);
                assertEquals(sent, producer.history().size());
            }
            producer.completeNext();
            producer.completeNext();
            source.complete();
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of("a", "b", "c", "d", "e"), source.acknowledged());
    }

    @Test
    void aFailedSendFailsThePipelineNamingTopicAndKey() throws Exception {
        var source = open("a", "b");
        source.subscribe(sink().build());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            awaitSent(2);
            producer.completeNext();
            producer.errorNext(new IllegalStateException("broker says no"));

            var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

            assertTrue(failure.getMessage().contains("sending to topic out with key key-b failed"), failure.getMessage());
        }
        assertEquals(List.of("a"), source.acknowledged());
        assertEquals(List.of("b"), source.deliveryFailures());
    }

    @Test
    void aFailedSendGoesToTheDeadLettersWhenThePolicySaysSo() throws Exception {
        var source = open("a", "b", "c");
        var deadLetters = new CollectingSink<DeadLetter>();
        source.subscribe(sink().withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)).build());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            awaitSent(3);
            producer.completeNext();
            producer.errorNext(new IllegalStateException("broker says no"));
            producer.completeNext();
            deadLetters.awaitCount(1, TIMEOUT);
            source.complete();
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of("b"), deadLetters.items().stream().map(DeadLetter::item).collect(Collectors.toList()));
        assertEquals(List.of("a", "b", "c"), source.acknowledged().stream().sorted().collect(Collectors.toList()));
    }

    @Test
    void aDeadLetterKeepsTheOriginalBytesAndSaysWhy() {
        var raw = new ConsumerRecord<>("orders", 3, 42L, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2});
        raw.headers().add("trace", new byte[] {9});
        var letter = new DeadLetter("KafkaSource", raw, new IllegalArgumentException("bad bytes"), 1);

        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.toRecord("dlq", letter);

        assertEquals("dlq", record.topic());
        assertEquals("k", new String(record.key(), StandardCharsets.UTF_8));
        assertEquals(List.of((byte) 1, (byte) 2), List.of(record.value()[0], record.value()[1]));
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.key().equals("trace") ? "9" : new String(header.value(), StandardCharsets.UTF_8));
        }
        assertEquals(Map.of("trace", "9", KafkaSink.ORIGIN_HEADER, "orders-3@42", KafkaSink.STEP_HEADER, "KafkaSource",
                KafkaSink.ERROR_CLASS_HEADER, "java.lang.IllegalArgumentException", KafkaSink.ERROR_MESSAGE_HEADER,
                "bad bytes"), headers);
    }

    @Test
    void aDeadLetterNamesTheRootCauseClassAndKeepsTheWholeMessage() {
        var raw = new ConsumerRecord<>("orders", 3, 42L, new byte[0], new byte[] {1, 2});
        var cause = new org.apache.kafka.common.errors.SerializationException("Size of data received by"
                + " IntegerDeserializer is not 4");
        var wrapper = new org.apache.kafka.common.KafkaException("record orders-3@42 does not deserialize: "
                + cause.getMessage(), cause);

        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.toRecord("dlq", new DeadLetter("KafkaSource", raw,
                wrapper, 1));

        assertEquals("org.apache.kafka.common.errors.SerializationException",
                new String(record.headers().lastHeader(KafkaSink.ERROR_CLASS_HEADER).value(), StandardCharsets.UTF_8));
        assertEquals("record orders-3@42 does not deserialize: Size of data received by IntegerDeserializer is not 4",
                new String(record.headers().lastHeader(KafkaSink.ERROR_MESSAGE_HEADER).value(), StandardCharsets.UTF_8));
    }
}
