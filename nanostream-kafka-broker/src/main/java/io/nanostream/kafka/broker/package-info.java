/**
 * A real single-node Kafka broker for tests, demos and benchmarks: {@link
 * io.nanostream.kafka.broker.EmbeddedKafka}, and {@link io.nanostream.kafka.broker.TopicWatch} to
 * follow what a pipeline writes. On the module path this jar is the automatic module
 * {@code io.nanostream.kafka.broker}: the Kafka jars it runs have no module names.
 */
package io.nanostream.kafka.broker;
