/**
 * {@link io.nanostream.testkit.kafka.InMemoryKafka}: a {@code KafkaSource} over kafka-clients'
 * {@code MockConsumer}, where a test adds records, moves partitions and reads the commits. On the
 * module path this jar is the automatic module {@code io.nanostream.testkit.kafka}, as
 * nanostream-kafka is {@code io.nanostream.kafka}.
 */
package io.nanostream.testkit.kafka;
