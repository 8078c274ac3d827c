package io.nanostream.examples.etl;

import io.nanostream.flow.AbstractSource;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Makes the demo's input: orders from 200 customers, most followed by a payment and a shipment,
 * and every {@code malformedEvery}th message broken (not JSON, a field missing, a negative
 * amount). Runs until stopped, or until it has made {@code maxOrders} orders. Counts what it
 * made, so the demo can check the database against it.
 */
final class SampleEvents extends AbstractSource<ProducerRecord<String, String>> {

    private static final String[] BROKEN = {
        "{\"order\": \"o-%d\", \"customer\": ",
        "{\"order\": \"o-%d\", \"amount\": 12.50}",
        "{\"order\": \"o-%d\", \"customer\": \"c-001\", \"amount\": -1}",
    };

    private final EtlPipeline.Topics topics;
    private final long maxOrders;
    private final int malformedEvery;
    private final Random random = new Random(42);
    final AtomicLong orders = new AtomicLong();
    final AtomicLong payments = new AtomicLong();
    final AtomicLong shipments = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    private long messages;

    SampleEvents(EtlPipeline.Topics topics, long maxOrders, int malformedEvery) {
        super("sample-events", 256);
        this.topics = topics;
        this.maxOrders = maxOrders;
        this.malformedEvery = malformedEvery;
    }

    /** Every message made so far, broken ones included. */
    long messages() {
        return orders.get() + payments.get() + shipments.get() + malformed.get();
    }

    @Override
    protected void produce() {
        for (long order = 1; order <= maxOrders && !isStopping(); order++) {
            String customer = String.format(Locale.ROOT, "c-%03d", 1 + random.nextInt(200));
            long cents = 500 + random.nextInt(49_500);
            send(topics.orders(), customer, order, "\"amount\": " + Event.money(cents), orders);
            if (random.nextInt(10) < 8) {
                send(topics.payments(), customer, order, "\"amount\": " + Event.money(cents), payments);
            }
            if (random.nextInt(10) < 6) {
                send(topics.shipments(), customer, order, "\"items\": " + (1 + random.nextInt(5)), shipments);
            }
        }
    }

    private void send(String topic, String customer, long order, String field, AtomicLong count) {
        messages++;
        String value;
        AtomicLong counted = count;
        if (messages % malformedEvery == 0) {
            value = String.format(Locale.ROOT, BROKEN[(int) (messages / malformedEvery % BROKEN.length)], order);
            counted = malformed;
        } else {
            value = String.format(Locale.ROOT, "{\"order\": \"o-%d\", \"customer\": \"%s\", %s}", order, customer, field);
        }
        emit(new ProducerRecord<>(topic, customer, value));
        counted.incrementAndGet(); // once emitted, it reaches Kafka even if the demo stops now
    }
}
