/**
 * RabbitMQ for nanostream pipelines: {@link io.nanostream.rabbitmq.RabbitSource} takes messages
 * from queues and acknowledges each once it is fully processed; {@link
 * io.nanostream.rabbitmq.RabbitSink} publishes with publisher confirms and acknowledges its input
 * only after the broker confirmed it. Together: at least once, from queue to queue, through
 * crashes and lost connections. On the module path this jar is the automatic module
 * {@code io.nanostream.rabbitmq}.
 */
package io.nanostream.rabbitmq;
