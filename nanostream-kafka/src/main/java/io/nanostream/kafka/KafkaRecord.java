package io.nanostream.kafka;

import org.apache.kafka.common.header.Headers;

/**
 * A record read by a {@link KafkaSource}: where it came from, and its deserialized key and value.
 *
 * <pre>{@code
 * AbstractStep<KafkaRecord<String, String>, Order> parse = Steps.map(record ->
 *         Order.parse(record.value()).from(record.topic(), record.offset()));
 * }</pre>
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 * @param topic the topic
 * @param partition the partition
 * @param offset the offset in the partition
 * @param key the key; null if the record has none
 * @param value the value; null for a tombstone
 * @param headers the headers
 * @param timestamp the record's timestamp, in milliseconds since the epoch
 */
public record KafkaRecord<K, V>(String topic, int partition, long offset, K key, V value, Headers headers,
        long timestamp) {

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " " + key + "=" + value;
    }
}
