/**
 * {@link io.nanostream.testkit.kafka.InMemoryKafka}: a {@code KafkaSource} over kafka-clients'
 * {@code MockConsumer}, where a test adds records, moves partitions and reads the commits.
 */
package io.nanostream.testkit.kafka;
