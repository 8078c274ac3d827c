package io.nanostream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.flow.Pipeline;
import io.nanostream.kafka.broker.EmbeddedKafka;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The example in the javadoc of {@link KafkaSink}, kept true, against a real broker. */
class KafkaSinkExampleTest {

    record Order(String customer, long cents) {
        String toJson() {
            return "{\"customer\":\"" + customer + "\",\"cents\":" + cents + "}";
        }
    }

    @Test
    void writesEachOrderAsARecordOfItsCustomer() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.shared();
        broker.createTopics(1, "big-orders");
        Map<String, Object> producerConfig = broker.producerConfig();
        var orders = InMemorySource.of(new Order("ada", 12_000), new Order("bob", 30_000));

        KafkaSink<Order> sink = KafkaSink.builder(producerConfig, new StringSerializer(), new StringSerializer())
                .records((Order order) -> new ProducerRecord<>("big-orders", order.customer(), order.toJson()))
                .build();
        orders.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(orders)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(60));
        }

        assertEquals(List.of("ada={\"customer\":\"ada\",\"cents\":12000}", "bob={\"customer\":\"bob\",\"cents\":30000}"),
                broker.readAll("big-orders").stream().map(record -> record.key() + "=" + record.value()).toList());
    }
}
