package io.nanostream.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.Held;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * Publishes each item as a RabbitMQ message, with publisher confirms: an item counts as delivered
 * (its source may acknowledge or commit it) only once the broker has confirmed its message, which
 * for a durable queue means it is written to disk. Messages are persistent unless
 * {@link Builder#properties} says otherwise.
 *
 * <p>At most {@code maxInFlight} messages await their confirm at once; the next item waits, and
 * with it the pipeline. A message the broker rejects ({@code basic.nack}) is settled by the
 * sink's error policy: by default the pipeline fails, and its source delivers the item again
 * after a restart. When the connection is lost, the client reconnects on its own (automatic
 * recovery, which this sink turns on); items wait meanwhile, up to
 * {@link Builder#reconnectTimeout}, and the messages not confirmed before the loss are published
 * again, so that a message may arrive twice, never not at all.
 *
 * <p>Publishing to a queue or an exchange that does not exist fails at the start, naming it. A
 * message an exchange cannot route anywhere is dropped by the broker, as AMQP says (give the
 * exchange an alternate exchange to keep such messages).
 *
 * <pre>{@code
 * RabbitSink<Order> sink = RabbitSink.builder(factory)
 *         .toQueue("orders-valid", (Order order) -> order.toJson().getBytes(StandardCharsets.UTF_8))
 *         .build();
 * }</pre>
 *
 * @param <T> the type of items published
 */
public final class RabbitSink<T> extends AbstractSink<T> {

    private static final System.Logger LOG = System.getLogger(RabbitSink.class.getName());

    private final ConnectionFactory factory;
    private final RabbitConnection.Connector connector;
    private final String exchange;
    private final String queue;
    private final Function<? super T, String> routingKey;
    private final Function<? super T, byte[]> body;
    private final Function<? super T, AMQP.BasicProperties> properties;
    private final int maxInFlight;
    private final Duration reconnectTimeout;

    /** Guards the channel's publishing and the messages awaiting their confirm. */
    private final Object lock = new Object();
    /** Published, not yet confirmed, by publish sequence number. */
    private final TreeMap<Long, Published<T>> unconfirmed = new TreeMap<>();
    /** Confirmed and taken from {@link #unconfirmed}, not yet released: guarded by the lock. */
    private int settling;
    /** Rejected by the broker, to settle on the sink's own turn. */
    private final ConcurrentLinkedQueue<Published<T>> rejected = new ConcurrentLinkedQueue<>();
    private RabbitConnection link;
    private Channel channel;
    private volatile String notReady = "not connected yet";

    private RabbitSink(Builder<T> builder) {
        super(builder.name, builder.maxInFlight);
        this.factory = builder.factory;
        this.connector = builder.connector;
        this.exchange = builder.exchange;
        this.queue = builder.queue;
        this.routingKey = builder.routingKey;
        this.body = builder.body;
        this.properties = builder.properties;
        this.maxInFlight = builder.maxInFlight;
        this.reconnectTimeout = builder.reconnectTimeout;
    }

    /**
     * Starts building a sink that connects with {@code factory}, whose settings it uses as they
     * are; it turns on automatic recovery. Say where messages go with
     * {@link Builder#toQueue} or {@link Builder#toExchange}, which also fix the item type.
     *
     * @param factory how to connect to RabbitMQ
     * @return the builder
     * @throws NullPointerException if factory is null
     */
    public static Builder<Object> builder(ConnectionFactory factory) {
        return new Builder<>(Objects.requireNonNull(factory, "factory"));
    }

    @Override
    protected String notReadyReason() {
        return RabbitConnection.notReady(link, notReady);
    }

    @Override
    protected void onStart() throws Exception {
        link = new RabbitConnection(factory, connector, name(), "sink '" + name() + "'",
                "then it publishes again what was not confirmed", this::republish);
        channel = link.channel;
        try {
            if (queue != null) {
                channel.queueDeclarePassive(queue);
            } else if (!exchange.isEmpty()) {
                channel.exchangeDeclarePassive(exchange);
            }
        } catch (IOException e) {
            link.abort();
            throw new IOException(name() + " cannot publish to " + (queue != null ? "queue '" + queue + "'" : "exchange '"
                    + exchange + "'") + ": " + RabbitConnection.reason(e) + "; declare it first", e);
        }
        channel.confirmSelect();
        channel.addConfirmListener(new Confirms());
        notReady = null;
    }

    @Override
    protected void consume(T item) throws Exception {
        Held input = holdInput();
        Published<T> message = new Published<>(item, input, routingKey.apply(item), body.apply(item),
                properties.apply(item));
        synchronized (lock) {
            long deadline = System.nanoTime() + reconnectTimeout.toNanos();
            while (unconfirmed.size() >= maxInFlight || !channel.isOpen()) {
                long left = deadline - System.nanoTime();
                if (!channel.isOpen() && left <= 0) {
                    input.release();
                    throw pipelineFailure(new IOException(name() + " could not reconnect to RabbitMQ within "
                            + reconnectTimeout));
                }
                lock.wait(Math.max(1, Math.min(100, left / 1_000_000)));
                settleRejected();
            }
            publish(message);
        }
        settleRejected();
    }

    @Override
    protected void onEndOfInput() throws Exception {
        synchronized (lock) {
            long deadline = System.nanoTime() + reconnectTimeout.toNanos();
            while ((!unconfirmed.isEmpty() || settling > 0) && System.nanoTime() < deadline) {
                lock.wait(100);
            }
            if (!unconfirmed.isEmpty()) {
                throw pipelineFailure(new IOException(name() + ": " + unconfirmed.size() + " messages not confirmed by"
                        + " RabbitMQ within " + reconnectTimeout));
            }
        }
        settleRejected();
        close();
    }

    @Override
    protected void onFailure(Throwable error) {
        close();
    }

    /** Publishes a message; called holding the lock, with the channel open. */
    private void publish(Published<T> message) throws IOException {
        long sequence = channel.getNextPublishSeqNo();
        unconfirmed.put(sequence, message);
        try {
            channel.basicPublish(exchange, message.routingKey, false, message.properties, message.body);
        } catch (IOException | RuntimeException e) {
            if (channel.isOpen()) {
                unconfirmed.remove(sequence);
                throw e;
            } // else a lost connection: published again after the recovery
        }
    }

    /** After a reconnection: the messages not confirmed before it are published again. */
    private void republish() {
        synchronized (lock) {
            List<Published<T>> again = new ArrayList<>(unconfirmed.values());
            unconfirmed.clear();
            try {
                for (Published<T> message : again) {
                    publish(message);
                }
                LOG.log(System.Logger.Level.INFO, () -> name() + " reconnected to RabbitMQ and published " + again.size()
                        + " unconfirmed messages again");
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, () -> name() + " could not publish again after reconnecting: " + e);
            }
            lock.notifyAll();
        }
    }

    /** Settles, by the error policy, the items whose messages the broker rejected. */
    private void settleRejected() {
        for (Published<T> message = rejected.poll(); message != null; message = rejected.poll()) {
            settleFailed(message.input, message.item, new IOException("RabbitMQ rejected (basic.nack) the message"
                    + " published to " + (queue != null ? "queue '" + queue + "'" : "exchange '" + exchange + "' with"
                    + " routing key '" + message.routingKey + "'")));
        }
    }

    private void close() {
        if (link != null) {
            link.close(name());
        }
    }

    /** A message published and its item, held until the broker confirms it. */
    private record Published<T>(T item, Held input, String routingKey, byte[] body, AMQP.BasicProperties properties) {
    }

    /** The broker's confirms, on the connection's thread. */
    private final class Confirms implements ConfirmListener {
        @Override
        public void handleAck(long sequence, boolean multiple) {
            List<Published<T>> messages = confirmed(sequence, multiple);
            try {
                messages.forEach(message -> message.input.release());
            } finally {
                settled(messages.size());
            }
        }

        @Override
        public void handleNack(long sequence, boolean multiple) {
            List<Published<T>> messages = confirmed(sequence, multiple);
            rejected.addAll(messages);
            settled(messages.size());
            if (!messages.isEmpty()) {
                schedule(Duration.ZERO, RabbitSink.this::settleRejected);
            }
        }

        /** The messages just confirmed are released or queued: the end of the input may go on. */
        private void settled(int messages) {
            synchronized (lock) {
                settling -= messages;
                lock.notifyAll();
            }
        }

        private List<Published<T>> confirmed(long sequence, boolean multiple) {
            synchronized (lock) {
                List<Published<T>> confirmed;
                if (multiple) {
                    Map<Long, Published<T>> upTo = unconfirmed.headMap(sequence, true);
                    confirmed = new ArrayList<>(upTo.values());
                    upTo.clear();
                } else {
                    Published<T> one = unconfirmed.remove(sequence);
                    confirmed = one != null ? List.of(one) : List.of();
                }
                settling += confirmed.size(); // until released: the end of the input waits for them too
                lock.notifyAll();
                return confirmed;
            }
        }
    }

    /**
     * Builds a {@link RabbitSink}. The item type is the one of the function that makes the
     * message body: {@link #toQueue} and {@link #toExchange} return the builder typed by it.
     *
     * <pre>{@code
     * RabbitSink<Total> totals = RabbitSink.builder(factory)
     *         .toExchange("totals", (Total total) -> total.customer(), total -> total.toJson().getBytes(UTF_8))
     *         .maxInFlight(500)
     *         .build();
     * }</pre>
     *
     * @param <T> the type of items published
     */
    public static final class Builder<T> {
        private final ConnectionFactory factory;
        private RabbitConnection.Connector connector = ConnectionFactory::newConnection;
        private String name = "RabbitSink";
        private String exchange;
        private String queue;
        private Function<? super T, String> routingKey;
        private Function<? super T, byte[]> body;
        private Function<? super T, AMQP.BasicProperties> properties = item -> MessageProperties.PERSISTENT_BASIC;
        private int maxInFlight = 1_000;
        private Duration reconnectTimeout = Duration.ofMinutes(1);

        private Builder(ConnectionFactory factory) {
            this.factory = factory;
        }

        /**
         * Publishes each item to a queue, through the default exchange.
         *
         * @param <U> the type of items
         * @param queue the queue, which must exist
         * @param body the message body of an item
         * @return this builder, typed by {@code body}
         */
        public <U> Builder<U> toQueue(String queue, Function<? super U, byte[]> body) {
            Builder<U> typed = retyped();
            typed.queue = Objects.requireNonNull(queue, "queue");
            typed.exchange = "";
            typed.routingKey = item -> queue;
            typed.body = Objects.requireNonNull(body, "body");
            return typed;
        }

        /**
         * Publishes each item to an exchange, with a routing key of its own.
         *
         * @param <U> the type of items
         * @param exchange the exchange, which must exist
         * @param routingKey the routing key of an item
         * @param body the message body of an item
         * @return this builder, typed by {@code body}
         */
        public <U> Builder<U> toExchange(String exchange, Function<? super U, String> routingKey,
                Function<? super U, byte[]> body) {
            Builder<U> typed = retyped();
            typed.exchange = Objects.requireNonNull(exchange, "exchange");
            typed.queue = null;
            typed.routingKey = Objects.requireNonNull(routingKey, "routingKey");
            typed.body = Objects.requireNonNull(body, "body");
            return typed;
        }

        /**
         * The properties of an item's message (headers, content type, message id, delivery
         * mode): {@link MessageProperties#PERSISTENT_BASIC} unless given.
         *
         * @param properties the properties of an item's message
         * @return this builder
         */
        public Builder<T> properties(Function<? super T, AMQP.BasicProperties> properties) {
            this.properties = Objects.requireNonNull(properties, "properties");
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
         * How many messages may await their confirm at once: 1 000 unless given.
         *
         * @param messages how many
         * @return this builder
         * @throws IllegalArgumentException if messages is not positive
         */
        public Builder<T> maxInFlight(int messages) {
            this.maxInFlight = RabbitSource.Builder.positive("maxInFlight", messages);
            return this;
        }

        /**
         * How long items wait for a lost connection to come back before the pipeline fails: a
         * minute unless given. Also how long the end of the input waits for the last confirms.
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder<T> reconnectTimeout(Duration timeout) {
            this.reconnectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        Builder<T> connector(RabbitConnection.Connector connector) {
            this.connector = connector;
            return this;
        }

        /**
         * Builds the sink.
         *
         * @return the sink
         * @throws IllegalStateException if neither toQueue nor toExchange was given
         */
        public RabbitSink<T> build() {
            if (body == null) {
                throw new IllegalStateException("RabbitSink.Builder: say where messages go with toQueue(..) or"
                        + " toExchange(..)");
            }
            return new RabbitSink<>(this);
        }

        @SuppressWarnings("unchecked") // the functions taking items are all set by the caller, after this
        private <U> Builder<U> retyped() {
            return (Builder<U>) this;
        }
    }
}
