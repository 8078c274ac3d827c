package io.nanostream.examples.etl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nanostream.flow.Windowed;
import java.time.Instant;
import java.util.stream.Collector;

/**
 * What one customer did in one window: orders placed and their amount, payments received and
 * shipments sent. The ETL writes one row of these per customer and window to the database, and
 * publishes it to the output topic.
 *
 * @param customer the customer
 * @param windowStart when the window opened
 * @param windowEnd when it closed
 * @param orders orders placed
 * @param orderedCents their amount, in cents
 * @param payments payments received
 * @param paidCents their amount, in cents
 * @param shipments shipments sent
 */
record CustomerTotals(String customer, Instant windowStart, Instant windowEnd, long orders, long orderedCents,
        long payments, long paidCents, long shipments) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Adds up a customer's events in a window; see {@link io.nanostream.flow.Steps#window}. */
    static Collector<Event, long[], long[]> summing() {
        return Collector.of(() -> new long[5], (sums, event) -> {
            switch (event.kind()) {
                case ORDER -> {
                    sums[0]++;
                    sums[1] += event.cents();
                }
                case PAYMENT -> {
                    sums[2]++;
                    sums[3] += event.cents();
                }
                case SHIPMENT -> sums[4]++;
            }
        }, (a, b) -> {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
            return a;
        });
    }

    /** The output topic's key: the customer and the window's start, written once each. */
    String key() {
        return customer + "@" + windowStart;
    }

    /** A window's sums as totals. */
    static CustomerTotals of(Windowed<String, long[]> window) {
        long[] sums = window.value();
        return new CustomerTotals(window.key(), window.start(), window.end(), sums[0], sums[1], sums[2], sums[3], sums[4]);
    }

    /** These totals as the output topic's JSON. */
    String toJson() {
        ObjectNode json = JSON.createObjectNode()
                .put("customer", customer)
                .put("windowStart", windowStart.toString())
                .put("windowEnd", windowEnd.toString())
                .put("orders", orders)
                .put("ordered", Event.money(orderedCents))
                .put("payments", payments)
                .put("paid", Event.money(paidCents))
                .put("shipments", shipments);
        return json.toString();
    }
}
