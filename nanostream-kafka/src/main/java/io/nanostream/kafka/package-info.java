/**
 * {@link io.nanostream.kafka.KafkaSource} reads several topics in one consumer group and commits
 * what the pipeline has fully processed; {@link io.nanostream.kafka.KafkaSink} writes records and
 * acknowledges its input once the broker has.
 */
package io.nanostream.kafka;
