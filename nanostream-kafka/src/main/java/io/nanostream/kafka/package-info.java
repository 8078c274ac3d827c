/**
 * {@link io.nanostream.kafka.KafkaSource} reads several topics in one consumer group and commits
 * what the pipeline has fully processed; {@link io.nanostream.kafka.KafkaSink} writes records and
 * acknowledges its input once the broker has.
 *
 * <h2>On the module path</h2>
 * This jar has no module descriptor, only the name {@code io.nanostream.kafka} in its manifest
 * ({@code Automatic-Module-Name}): kafka-clients has neither, so a descriptor here would have to
 * require {@code kafka.clients}, a name the JDK makes up from the jar's file name and that a
 * renamed or repackaged jar would break. An application's descriptor requires the core and this
 * module:
 * <pre>{@code
 * module com.example.orders {
 *     requires io.nanostream.flow;
 *     requires io.nanostream.kafka; // and so reads kafka.clients as well
 * }
 * }</pre>
 * A module that reads an automatic module reads every automatic module of its layer, so the Kafka
 * types come with this one. The core does not: an automatic module cannot say what it needs, and
 * {@code requires io.nanostream.kafka} alone leaves {@code io.nanostream.flow} unresolved ({@code
 * ModulesTest} in the examples resolves both cases). On the class path, as most services
 * run, nothing of this matters.
 */
package io.nanostream.kafka;
