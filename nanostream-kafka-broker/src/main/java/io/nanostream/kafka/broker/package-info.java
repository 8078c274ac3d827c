/**
 * A real single-node Kafka broker for tests, demos and benchmarks: {@link
 * io.nanostream.kafka.broker.EmbeddedKafka}, and {@link io.nanostream.kafka.broker.TopicWatch} to
 * follow what a pipeline writes. Run it on the class path: the Kafka server's jars, which it runs,
 * have no module names and split packages between them, so they cannot be modules. (The jar's
 * manifest names it {@code io.nanostream.kafka.broker}, for a module that compiles against it.)
 */
package io.nanostream.kafka.broker;
