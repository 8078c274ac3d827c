package io.nanostream.nats;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.Held;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Publishes each item as a message to a JetStream stream, and acknowledges the item (its source
 * may then acknowledge or commit it) only once the server acknowledged the message: stored in the
 * stream. With {@link Builder#messageId}, the server drops a message whose id it has seen within
 * the stream's duplicate window (two minutes by default), so that a replay after a crash publishes
 * nothing twice within it.
 *
 * <p>At most {@code maxInFlight} messages await their acknowledgement at once; the next item
 * waits, and with it the pipeline. A message the server does not acknowledge in time (a lost
 * connection, which the client reestablishes on its own) is published again, up to
 * {@link Builder#retries} times, with the same message id. A message the server refuses (no
 * stream takes its subject, say) is settled by the sink's error policy: by default the pipeline
 * fails, and its source delivers the item again after a restart.
 *
 * <pre>{@code
 * NatsSink<Order> sink = NatsSink.builder(options)
 *         .toSubject("orders.valid", (Order order) -> order.toJson().getBytes(StandardCharsets.UTF_8))
 *         .messageId(Order::id)
 *         .build();
 * }</pre>
 *
 * @param <T> the type of items published
 */
public final class NatsSink<T> extends AbstractSink<T> {

    private final Options options;
    private final NatsConnection.Connector connector;
    private final Function<? super T, String> subject;
    private final Function<? super T, byte[]> body;
    private final Function<? super T, String> messageId;
    private final int maxInFlight;
    private final int retries;
    private final Duration timeout;

    private final Semaphore sends;
    /** Publishes that failed for good, to settle on the sink's own turn. */
    private final ConcurrentLinkedQueue<Failed<T>> failures = new ConcurrentLinkedQueue<>();
    private volatile Connection connection;
    private JetStream jetStream;
    private volatile String notReady = "not connected yet";

    private NatsSink(Builder<T> builder) {
        super(builder.name, builder.maxInFlight);
        this.options = builder.options;
        this.connector = builder.connector;
        this.subject = builder.subject;
        this.body = builder.body;
        this.messageId = builder.messageId;
        this.maxInFlight = builder.maxInFlight;
        this.retries = builder.retries;
        this.timeout = builder.timeout;
        this.sends = new Semaphore(maxInFlight);
    }

    /**
     * Starts building a sink that connects with {@code options}, as they are. Say where messages
     * go with {@link Builder#toSubject} or {@link Builder#toSubjects}, which also fix the item type.
     *
     * @param options how to connect to NATS
     * @return the builder
     * @throws NullPointerException if options is null
     */
    public static Builder<Object> builder(Options options) {
        return new Builder<>(Objects.requireNonNull(options, "options"));
    }

    @Override
    protected String notReadyReason() {
        return NatsConnection.notReady(connection, "sink '" + name() + "'", notReady);
    }

    @Override
    protected void onStart() throws Exception {
        connection = connector.connect(options);
        jetStream = connection.jetStream();
        notReady = null;
    }

    @Override
    protected void consume(T item) throws Exception {
        settleFailures();
        Held input = holdInput();
        String to = subject.apply(item);
        byte[] data = body.apply(item);
        PublishOptions publish = messageId != null ? PublishOptions.builder().messageId(messageId.apply(item)).build()
                : null;
        sends.acquire();
        publish(new Pending<>(item, input, to, data, publish), 0);
    }

    @Override
    protected void onEndOfInput() throws Exception {
        if (!sends.tryAcquire(maxInFlight, timeout.multipliedBy(retries + 1L).toNanos(), TimeUnit.NANOSECONDS)) {
            throw pipelineFailure(new IOException(name() + ": " + (maxInFlight - sends.availablePermits())
                    + " messages not acknowledged by JetStream in time"));
        }
        sends.release(maxInFlight);
        settleFailures();
        NatsConnection.close(connection, name());
    }

    @Override
    protected void onFailure(Throwable error) {
        NatsConnection.close(connection, name());
    }

    /** Publishes, and on the server's answer releases the input, publishes again, or queues the failure. */
    private void publish(Pending<T> pending, int attempt) {
        jetStream.publishAsync(pending.subject, null, pending.body, pending.options)
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((PublishAck ack, Throwable error) -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                            : error;
                    if (cause == null) {
                        pending.input.release(); // before the permit: the end of input waits for the permits
                        sends.release();
                    } else if (!(cause instanceof JetStreamApiException) && attempt < retries) {
                        publish(pending, attempt + 1); // not answered: a lost connection; the same id again
                    } else {
                        failures.add(new Failed<>(pending, cause));
                        sends.release();
                        schedule(Duration.ZERO, this::settleFailures);
                    }
                });
    }

    private void settleFailures() {
        for (Failed<T> failed = failures.poll(); failed != null; failed = failures.poll()) {
            settleFailed(failed.pending.input, failed.pending.item, new IOException("JetStream did not store the"
                    + " message published to '" + failed.pending.subject + "': " + failed.error, failed.error));
        }
    }

    /** A message being published, and its item's input, held until the server acknowledges it. */
    private record Pending<T>(T item, Held input, String subject, byte[] body, PublishOptions options) {
    }

    private record Failed<T>(Pending<T> pending, Throwable error) {
    }

    /**
     * Builds a {@link NatsSink}. The item type is the one of the function that makes the message
     * body: {@link #toSubject} and {@link #toSubjects} return the builder typed by it.
     *
     * <pre>{@code
     * NatsSink<Total> totals = NatsSink.builder(options)
     *         .toSubjects((Total total) -> "totals." + total.region(), total -> total.toJson().getBytes(UTF_8))
     *         .maxInFlight(500)
     *         .build();
     * }</pre>
     *
     * @param <T> the type of items published
     */
    public static final class Builder<T> {
        private final Options options;
        private NatsConnection.Connector connector = NatsConnection.NATS;
        private String name = "NatsSink";
        private Function<? super T, String> subject;
        private Function<? super T, byte[]> body;
        private Function<? super T, String> messageId;
        private int maxInFlight = 1_000;
        private int retries = 5;
        private Duration timeout = Duration.ofSeconds(5);

        private Builder(Options options) {
            this.options = options;
        }

        /**
         * Publishes each item to one subject, which a stream must take.
         *
         * @param <U> the type of items
         * @param subject the subject
         * @param body the message body of an item
         * @return this builder, typed by {@code body}
         */
        public <U> Builder<U> toSubject(String subject, Function<? super U, byte[]> body) {
            Objects.requireNonNull(subject, "subject");
            return toSubjects(item -> subject, body);
        }

        /**
         * Publishes each item to a subject of its own.
         *
         * @param <U> the type of items
         * @param subject the subject of an item
         * @param body the message body of an item
         * @return this builder, typed by {@code body}
         */
        public <U> Builder<U> toSubjects(Function<? super U, String> subject, Function<? super U, byte[]> body) {
            Builder<U> typed = retyped();
            typed.subject = Objects.requireNonNull(subject, "subject");
            typed.body = Objects.requireNonNull(body, "body");
            return typed;
        }

        /**
         * The id of an item's message ({@code Nats-Msg-Id}), by which the server drops a message
         * published again within the stream's duplicate window: give one that stays the same
         * when the same input is processed again (an order's id, the key and window of a total).
         *
         * @param id the message id of an item
         * @return this builder
         */
        public Builder<T> messageId(Function<? super T, String> id) {
            this.messageId = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * Names the sink, for its threads, metrics and messages.
         *
         * @param name the name
         * @return this builder
         */
        public Builder<T> named(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * How many messages may await their acknowledgement at once: 1 000 unless given.
         *
         * @param messages how many
         * @return this builder
         * @throws IllegalArgumentException if messages is not positive
         */
        public Builder<T> maxInFlight(int messages) {
            this.maxInFlight = NatsSource.Builder.positive("maxInFlight", messages);
            return this;
        }

        /**
         * How long a message waits for the server's acknowledgement before it is published again
         * (5 s unless given), and how many times it is (5 unless given).
         *
         * @param timeout how long each attempt waits
         * @param retries how many times a message is published again
         * @return this builder
         * @throws IllegalArgumentException if retries is negative
         */
        public Builder<T> acknowledgement(Duration timeout, int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries: " + retries + " is negative");
            }
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            this.retries = retries;
            return this;
        }

        Builder<T> connector(NatsConnection.Connector connector) {
            this.connector = connector;
            return this;
        }

        /**
         * Builds the sink.
         *
         * @return the sink
         * @throws IllegalStateException if neither toSubject nor toSubjects was given
         */
        public NatsSink<T> build() {
            if (body == null) {
                throw new IllegalStateException("NatsSink.Builder: say where messages go with toSubject(..) or"
                        + " toSubjects(..)");
            }
            return new NatsSink<>(this);
        }

        @SuppressWarnings("unchecked") // the functions taking items are all set by the caller, after this
        private <U> Builder<U> retyped() {
            return (Builder<U>) this;
        }
    }
}
