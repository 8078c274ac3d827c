/**
 * NATS JetStream for nanostream pipelines: {@link io.nanostream.nats.NatsSource} takes messages
 * from a stream through a durable pull consumer and acknowledges each once it is fully processed;
 * {@link io.nanostream.nats.NatsSink} publishes and acknowledges its input only after the server
 * stored the message. Together: at least once, stream to stream, through crashes and lost
 * connections; with message ids, nothing twice within the stream's duplicate window. On the
 * module path this jar is the automatic module {@code io.nanostream.nats}.
 */
package io.nanostream.nats;
