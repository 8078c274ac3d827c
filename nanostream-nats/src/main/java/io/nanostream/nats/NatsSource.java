package io.nanostream.nats;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.DeliveryCallback;
import io.nanostream.flow.PipelineException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes messages from a NATS JetStream stream through a durable pull consumer, and acknowledges
 * each one only when it, and everything derived from it, has reached every sink: a message in the
 * pipeline when the process dies is delivered again (at least once; {@link NatsMessage#delivered()}
 * says it may have been processed). The consumer is created, or updated, with explicit
 * acknowledgement; its name is the durable name given, and a restart with the same name goes on
 * where the last run's acknowledgements ended.
 *
 * <p><b>Back-pressure.</b> Each pull asks for no more messages than the pipeline has room for (at
 * most {@link Builder#batch}), so a slow pipeline leaves the rest in the stream.
 *
 * <p><b>Failures.</b> The message the pipeline fails on (the first a node failed on, under an
 * error policy that fails) is negatively acknowledged to be delivered again after
 * {@link Builder#redeliveryDelay} (one second unless given), or, with
 * {@link Builder#terminateFailed terminateFailed(true)}, terminated: never delivered again. The
 * other messages in flight when a pipeline fails, stops or is closed are negatively acknowledged
 * at once, to be delivered again. Items a step skips or dead-letters by its own error policy count
 * as processed and are acknowledged. A message held longer than the consumer's
 * {@link Builder#ackWait} (30 s unless given) is delivered again by the server.
 *
 * <p><b>Stopping.</b> A graceful stop waits up to the stop timeout for what is in flight to be
 * settled, and gives back (negatively acknowledges) what it pulled and did not emit, to be
 * delivered again at once; a message the server was still sending as the source stopped is
 * delivered again after the ack wait.
 *
 * <p><b>Lost connections.</b> The client reconnects on its own; while it is not connected,
 * {@link io.nanostream.flow.Pipeline#health()} says so.
 *
 * <pre>{@code
 * Options nats = new Options.Builder().server("nats://localhost:4222").build();
 * NatsSource orders = NatsSource.builder(nats).stream("ORDERS").durable("orders-etl").build();
 * AbstractStep<NatsMessage, String> text = Steps.map(NatsMessage::bodyAsString);
 * orders.subscribe(text);
 * }</pre>
 */
public final class NatsSource extends AbstractSource<NatsMessage> {

    private static final System.Logger LOG = System.getLogger(NatsSource.class.getName());
    /** How long a pull waits for messages before the source asks again. */
    private static final Duration PULL_EXPIRES = Duration.ofMillis(100);
    /** How much later than its expiry a pull's last message may still arrive. */
    private static final Duration PULL_MARGIN = Duration.ofMillis(50);

    private final Options options;
    private final NatsConnection.Connector connector;
    private final String stream;
    private final String durable;
    private final String filterSubject;
    private final int batch;
    private final Duration ackWait;
    private final Duration redeliveryDelay;
    private final boolean terminateFailed;
    private final long maxMessages;
    private final Duration stopTimeout;

    private volatile Connection connection;
    private JetStreamSubscription subscription;
    /** When the last pull has expired, with a margin: what a stop waits for to give back what came. */
    private long lastPullEnds;
    /** Emitted and not yet settled. */
    private long inFlight;
    private final Object settled = new Object();
    /** Whether a message was already rejected as the one the pipeline failed on. */
    private final AtomicBoolean blamed = new AtomicBoolean();
    private volatile String notReady = "not connected yet";
    private volatile long backlog = -1;
    private long lastBacklog;

    private NatsSource(Builder builder) {
        super(builder.name, builder.bufferSize);
        this.options = builder.options;
        this.connector = builder.connector;
        this.stream = builder.stream;
        this.durable = builder.durable;
        this.filterSubject = builder.filterSubject;
        this.batch = builder.batch > 0 ? builder.batch : bufferSize();
        this.ackWait = builder.ackWait;
        this.redeliveryDelay = builder.redeliveryDelay;
        this.terminateFailed = builder.terminateFailed;
        this.maxMessages = builder.maxMessages;
        this.stopTimeout = builder.stopTimeout;
    }

    /**
     * Starts building a source that connects with {@code options} (servers, credentials, TLS,
     * reconnection), as they are.
     *
     * @param options how to connect to NATS
     * @return the builder
     * @throws NullPointerException if options is null
     */
    public static Builder builder(Options options) {
        return new Builder(Objects.requireNonNull(options, "options"));
    }

    @Override
    protected boolean tracksDelivery() {
        return true;
    }

    @Override
    protected String notReadyReason() {
        return NatsConnection.notReady(connection, "source '" + name() + "'", notReady);
    }

    @Override
    protected long backlog() {
        return backlog;
    }

    @Override
    protected void produce() throws Exception {
        connection = connector.connect(options);
        NatsConnection.requireStream(connection, stream, "source '" + name() + "'");
        ConsumerConfiguration.Builder consumer = ConsumerConfiguration.builder()
                .durable(durable)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait)
                .maxAckPending(Math.max(1_000, 2L * batch));
        if (filterSubject != null) {
            consumer.filterSubject(filterSubject);
        }
        try {
            subscription = connection.jetStream().subscribe(filterSubject, PullSubscribeOptions.builder()
                    .stream(stream).durable(durable).configuration(consumer.build()).build());
        } catch (JetStreamApiException e) {
            throw new IOException(name() + " cannot consume stream '" + stream + "' as '" + durable + "': "
                    + e.getMessage(), e);
        }
        partitionsChanged(List.of(stream));
        notReady = null;
        long emitted = 0;
        while (!isStopping() && (maxMessages < 0 || emitted < maxMessages)) {
            int want = (int) Math.max(1, Math.min(Math.min(batch, Math.max(1, bufferRoom())),
                    maxMessages < 0 ? Long.MAX_VALUE : maxMessages - emitted));
            // pull, then take one at a time: a stop's interrupt leaves what came in the subscription,
            // where afterEnd gives it back (a fetch would drop what it had taken)
            long deadline = System.nanoTime() + PULL_EXPIRES.toNanos();
            lastPullEnds = deadline + PULL_MARGIN.toNanos(); // before the pull: a stop may interrupt it once sent
            subscription.pullExpiresIn(want, PULL_EXPIRES);
            for (int taken = 0; taken < want; taken++) {
                long left = deadline - System.nanoTime();
                Message message = left > 0 ? subscription.nextMessage(Duration.ofNanos(left)) : null;
                if (message == null) {
                    break; // the pull expired: ask again
                }
                synchronized (settled) {
                    inFlight++;
                }
                emit(toItem(message), stream, new Settle(message)); // a stop's CancellationException fails and naks it
                emitted++;
            }
            measureBacklog();
        }
    }

    @Override
    protected void afterEnd() throws Exception {
        try {
            long deadline = System.nanoTime() + stopTimeout.toNanos();
            synchronized (settled) {
                while (inFlight > 0 && System.nanoTime() < deadline) {
                    settled.wait(Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000)));
                }
                if (inFlight > 0) {
                    LOG.log(System.Logger.Level.WARNING, name() + " stopped with " + inFlight + " messages unsettled after "
                            + stopTimeout + "; the server delivers them again after the ack wait");
                }
            }
            if (subscription != null && connection.getStatus() == Connection.Status.CONNECTED) {
                // messages pulled and not emitted, taken until the last pull has expired, then given back
                // to be delivered again at once, not after the ack wait (given back while a pull is open,
                // they would come straight back to it)
                List<Message> pulled = new java.util.ArrayList<>();
                long giveUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                for (long left = lastPullEnds - System.nanoTime(); System.nanoTime() < giveUp;
                        left = lastPullEnds - System.nanoTime()) {
                    Message message = subscription.nextMessage(Duration.ofNanos(Math.max(1_000_000, left)));
                    if (message != null && message.isJetStream()) {
                        pulled.add(message);
                    } else if (message == null && left <= 0 && noPullOpen()) {
                        break;
                    }
                }
                pulled.forEach(Message::nak);
                connection.flush(Duration.ofSeconds(5)); // the acknowledgements sent, before the close
            }
        } finally {
            notReady = "stopped";
            NatsConnection.close(connection, name());
        }
    }

    /** Whether the server holds no pull request of this consumer open, which could bring messages yet. */
    private boolean noPullOpen() {
        try {
            return subscription.getConsumerInfo().getNumWaiting() == 0;
        } catch (IOException | JetStreamApiException e) {
            return true; // cannot tell: what comes later is delivered again after the ack wait
        }
    }

    private NatsMessage toItem(Message message) {
        Headers headers = message.getHeaders();
        var meta = message.metaData();
        return new NatsMessage(stream, message.getSubject(), headers != null ? headers : new Headers(), message.getData(),
                meta.streamSequence(), meta.deliveredCount());
    }

    private void measureBacklog() {
        long now = System.nanoTime();
        if (now - lastBacklog < 1_000_000_000L || connection.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        lastBacklog = now;
        try {
            backlog = subscription.getConsumerInfo().getNumPending();
        } catch (IOException | JetStreamApiException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name() + " could not read its consumer's backlog: " + e);
        }
    }

    /** Acknowledges a message as the pipeline settles it, from the pipeline's thread. */
    private final class Settle implements DeliveryCallback {
        private final Message message;

        Settle(Message message) {
            this.message = message;
        }

        @Override
        public void delivered() {
            message.ack();
            done();
        }

        @Override
        public void failed(Throwable cause) {
            // the first message a node failed on is the one to blame; the others in flight fail with the pipeline
            if (cause instanceof PipelineException && !blamed.getAndSet(true)) {
                if (terminateFailed) {
                    message.term();
                } else {
                    message.nakWithDelay(redeliveryDelay);
                }
            } else {
                message.nak();
            }
            done();
        }

        private void done() {
            synchronized (settled) {
                inFlight--;
                settled.notifyAll();
            }
        }
    }

    /**
     * Builds a {@link NatsSource}.
     *
     * <pre>{@code
     * NatsSource source = NatsSource.builder(options)
     *         .stream("ORDERS")
     *         .durable("orders-etl")
     *         .filterSubject("orders.eu.>")
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private final Options options;
        private NatsConnection.Connector connector = NatsConnection.NATS;
        private String stream;
        private String durable;
        private String filterSubject;
        private String name = "NatsSource";
        private int bufferSize = 1_024;
        private int batch;
        private Duration ackWait = Duration.ofSeconds(30);
        private Duration redeliveryDelay = Duration.ofSeconds(1);
        private boolean terminateFailed;
        private long maxMessages = -1;
        private Duration stopTimeout = Duration.ofSeconds(30);

        private Builder(Options options) {
            this.options = options;
        }

        /**
         * The stream to consume, which must exist.
         *
         * @param stream the stream's name
         * @return this builder
         */
        public Builder stream(String stream) {
            this.stream = Objects.requireNonNull(stream, "stream");
            return this;
        }

        /**
         * The durable consumer's name: the server keeps what it acknowledged under it, so that a
         * restart, or another instance with the same name, goes on from there (instances with one
         * name share the messages between them).
         *
         * @param durable the name
         * @return this builder
         */
        public Builder durable(String durable) {
            this.durable = Objects.requireNonNull(durable, "durable");
            return this;
        }

        /**
         * Consumes only the stream's messages on these subjects (wildcards allowed); all of them
         * unless given.
         *
         * @param subject the subject filter
         * @return this builder
         */
        public Builder filterSubject(String subject) {
            this.filterSubject = Objects.requireNonNull(subject, "subject");
            return this;
        }

        /**
         * Names the source, for its threads, metrics and messages.
         *
         * @param name the name
         * @return this builder
         */
        public Builder named(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * How many items the source buffers for each subscriber: 1 024 unless given.
         *
         * @param items the buffer size
         * @return this builder
         * @throws IllegalArgumentException if items is not positive
         */
        public Builder bufferSize(int items) {
            this.bufferSize = positive("bufferSize", items);
            return this;
        }

        /**
         * The most messages one pull asks for: the buffer size unless given.
         *
         * @param messages how many
         * @return this builder
         * @throws IllegalArgumentException if messages is not positive
         */
        public Builder batch(int messages) {
            this.batch = positive("batch", messages);
            return this;
        }

        /**
         * How long the server waits for a message's acknowledgement before it delivers it again:
         * 30 seconds unless given. Longer than a message may take through the pipeline.
         *
         * @param wait the ack wait
         * @return this builder
         */
        public Builder ackWait(Duration wait) {
            this.ackWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /**
         * How long the message a pipeline failed on waits before it is delivered again: a second
         * unless given.
         *
         * @param delay the delay
         * @return this builder
         */
        public Builder redeliveryDelay(Duration delay) {
            this.redeliveryDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /**
         * Whether the message a pipeline failed on is terminated, never delivered again (true), or
         * delivered again after the redelivery delay (false, the default).
         *
         * @param terminate true to terminate
         * @return this builder
         */
        public Builder terminateFailed(boolean terminate) {
            this.terminateFailed = terminate;
            return this;
        }

        /**
         * Ends the source after this many messages, for bounded runs and tests.
         *
         * @param messages how many
         * @return this builder
         * @throws IllegalArgumentException if messages is negative
         */
        public Builder maxMessages(long messages) {
            if (messages < 0) {
                throw new IllegalArgumentException("maxMessages: " + messages + " is negative");
            }
            this.maxMessages = messages;
            return this;
        }

        /**
         * How long a stop waits for the messages in flight to be settled: 30 seconds unless given.
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        Builder connector(NatsConnection.Connector connector) {
            this.connector = connector;
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source
         * @throws IllegalStateException if the stream or the durable name was not given
         */
        public NatsSource build() {
            if (stream == null || durable == null) {
                throw new IllegalStateException("NatsSource.Builder: give the stream with stream(..) and the consumer's"
                        + " name with durable(..)");
            }
            return new NatsSource(this);
        }

        static int positive(String what, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(what + ": " + value + " is not positive");
            }
            return value;
        }
    }
}
