package io.nanostream.examples.etl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;

/**
 * One input message, parsed: an order placed, a payment received or a shipment sent, for a
 * customer. Orders and payments carry an amount ({@code "amount": 120.50}), shipments a number of
 * items ({@code "items": 3}).
 *
 * @param kind what happened
 * @param time when it happened, in milliseconds since the epoch: the Kafka record's timestamp, which
 *     a replay reads again unchanged
 * @param customer who it happened to
 * @param order the order it belongs to
 * @param cents the amount in cents; zero for a shipment
 * @param items the items shipped; zero for an order or payment
 */
record Event(Kind kind, long time, String customer, String order, long cents, int items) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an event records; each comes from a topic of its own. */
    enum Kind {
        ORDER, PAYMENT, SHIPMENT
    }

    /**
     * Parses a message's JSON.
     *
     * @param kind what the message's topic holds
     * @param time when it happened, in milliseconds since the epoch
     * @param json the message
     * @return the event
     * @throws JsonProcessingException if the message is not JSON
     * @throws IllegalArgumentException if a field is missing or has the wrong type, naming it
     */
    static Event parse(Kind kind, long time, String json) throws JsonProcessingException {
        JsonNode message = JSON.readTree(json);
        String customer = text(message, "customer");
        String order = text(message, "order");
        return switch (kind) {
            case ORDER, PAYMENT -> new Event(kind, time, customer, order, cents(message), 0);
            case SHIPMENT -> new Event(kind, time, customer, order, 0, items(message));
        };
    }

    private static String text(JsonNode message, String field) {
        JsonNode value = message.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' must be a non-empty string: " + message);
        }
        return value.asText();
    }

    private static long cents(JsonNode message) {
        JsonNode amount = message.get("amount");
        if (amount == null || !amount.isNumber() || amount.decimalValue().signum() < 0) {
            throw new IllegalArgumentException("field 'amount' must be a number of at least 0: " + message);
        }
        return amount.decimalValue().movePointRight(2).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    }

    private static int items(JsonNode message) {
        JsonNode items = message.get("items");
        if (items == null || !items.canConvertToInt() || items.asInt() <= 0) {
            throw new IllegalArgumentException("field 'items' must be a positive whole number: " + message);
        }
        return items.asInt();
    }

    /** Writes an amount in cents as a JSON number with two decimals. */
    static BigDecimal money(long cents) {
        return BigDecimal.valueOf(cents, 2);
    }
}
