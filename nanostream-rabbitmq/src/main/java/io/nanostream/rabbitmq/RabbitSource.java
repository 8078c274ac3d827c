package io.nanostream.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.DeliveryCallback;
import io.nanostream.flow.PipelineException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Takes messages from one or more RabbitMQ queues and acknowledges each one only when it, and
 * everything derived from it, has reached every sink: a message in the pipeline when the process
 * dies is delivered again (at least once; {@link RabbitMessage#redelivered()} says it may have
 * been processed).
 *
 * <p><b>Back-pressure.</b> The channel's prefetch ({@code basicQos}) is the source's buffer size
 * unless {@link Builder#prefetch} says otherwise: the broker sends no more messages than that
 * before some are acknowledged, so a slow pipeline holds at most that many messages per
 * source, and the rest wait in the queue, where other consumers can take them.
 *
 * <p><b>Failures.</b> The message the pipeline fails on (the first a node failed on, under an
 * error policy that fails) is rejected ({@code basicNack}) and, by default, requeued to be
 * delivered again; with {@link Builder#requeueFailed requeueFailed(false)} it goes to the queue's
 * dead-letter exchange, if it has one (and is dropped if not). The other messages in flight when
 * a pipeline fails, stops or is closed are requeued, whatever the setting: they did nothing
 * wrong. Items a step skips or dead-letters by its own error policy count as processed and are
 * acknowledged.
 *
 * <p><b>Lost connections.</b> The client library reconnects on its own (automatic recovery,
 * which this source turns on) and consumes again; what was in flight is delivered again by the
 * broker, and the acknowledgements of the old deliveries are dropped by the client. While the
 * connection is down, {@link io.nanostream.flow.Pipeline#health()} says so.
 *
 * <p><b>Stopping.</b> A graceful stop cancels the consumers, waits up to the stop timeout for
 * what is in flight to be settled, acknowledges it, and closes the connection; the broker
 * requeues whatever is left unacknowledged.
 *
 * <pre>{@code
 * ConnectionFactory rabbit = new ConnectionFactory();
 * rabbit.setUri("amqp://guest:guest@localhost:5672");
 * RabbitSource orders = RabbitSource.builder(rabbit).queues("orders").build();
 * AbstractStep<RabbitMessage, String> text = Steps.map(RabbitMessage::bodyAsString);
 * orders.subscribe(text);
 * }</pre>
 */
public final class RabbitSource extends AbstractSource<RabbitMessage> {

    private static final System.Logger LOG = System.getLogger(RabbitSource.class.getName());

    private final ConnectionFactory factory;
    private final RabbitConnection.Connector connector;
    private final List<String> queues;
    private final int prefetch;
    private final boolean requeueFailed;
    private final long maxMessages;
    private final Duration stopTimeout;

    /** What the client's threads and the pipeline's hand to the producing loop, in order. */
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    /** Messages taken, not yet emitted: the pipeline had no room. */
    private final ArrayDeque<Taken> waiting = new ArrayDeque<>();
    private RabbitConnection link;
    private Channel channel;
    private final List<String> consumerTags = new ArrayList<>();
    /** Emitted and not yet settled: the producing loop's count. */
    private long inFlight;
    /** Whether a message was already rejected as the one the pipeline failed on. */
    private boolean blamed;
    private volatile String notReady = "not connected yet";
    private volatile long backlog = -1;
    private long lastBacklog;

    private RabbitSource(Builder builder) {
        super(builder.name, builder.bufferSize);
        this.factory = builder.factory;
        this.connector = builder.connector;
        this.queues = List.copyOf(builder.queues);
        this.prefetch = builder.prefetch > 0 ? builder.prefetch : bufferSize();
        this.requeueFailed = builder.requeueFailed;
        this.maxMessages = builder.maxMessages;
        this.stopTimeout = builder.stopTimeout;
    }

    /**
     * Starts building a source that connects with {@code factory}, whose settings (host, port,
     * credentials, virtual host, TLS) it uses as they are; it turns on automatic recovery.
     *
     * @param factory how to connect to RabbitMQ
     * @return the builder
     * @throws NullPointerException if factory is null
     */
    public static Builder builder(ConnectionFactory factory) {
        return new Builder(Objects.requireNonNull(factory, "factory"));
    }

    @Override
    protected boolean tracksDelivery() {
        return true;
    }

    @Override
    protected String notReadyReason() {
        return RabbitConnection.notReady(link, notReady);
    }

    @Override
    protected long backlog() {
        return backlog;
    }

    @Override
    protected void produce() throws Exception {
        open();
        long emitted = 0;
        while (!isStopping() && (maxMessages < 0 || emitted < maxMessages)) {
            handle(inbox.poll(waiting.isEmpty() ? 100 : 1, TimeUnit.MILLISECONDS));
            for (Object next = inbox.poll(); next != null; next = inbox.poll()) {
                handle(next);
            }
            while (!waiting.isEmpty() && bufferRoom() > 0 && (maxMessages < 0 || emitted < maxMessages)) {
                Taken taken = waiting.poll();
                inFlight++;
                emitted++;
                emit(taken.message, taken.message.queue(), new Settle(taken.tag));
            }
            measureBacklog();
        }
    }

    @Override
    protected void afterEnd() throws Exception {
        if (channel == null) {
            return; // never connected
        }
        try {
            for (String tag : consumerTags) {
                if (channel.isOpen()) {
                    channel.basicCancel(tag); // no more deliveries; what was delivered and not emitted is requeued at the close
                }
            }
            long deadline = System.nanoTime() + stopTimeout.toNanos();
            while (inFlight > 0 && System.nanoTime() < deadline) {
                handle(inbox.poll(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                        TimeUnit.MILLISECONDS));
            }
            if (inFlight > 0) {
                LOG.log(System.Logger.Level.WARNING, () -> name() + " stopped with " + inFlight + " messages unsettled"
                        + " after " + stopTimeout + "; the broker delivers them again");
            }
        } finally {
            notReady = "stopped";
            link.close(name());
        }
    }

    private void open() throws IOException, TimeoutException {
        link = new RabbitConnection(factory, connector, name(), "source '" + name() + "'",
                "and the broker delivers what was in flight again", () -> { });
        channel = link.channel;
        channel.basicQos(prefetch);
        channel.addShutdownListener(cause -> {
            if (!cause.isHardError() && !cause.isInitiatedByApplication()) { // a channel error: no recovery
                inbox.add(new Failure(cause));
            }
        });
        for (String queue : queues) {
            try {
                consumerTags.add(channel.basicConsume(queue, false, name() + "-" + queue, new Consumer(queue)));
            } catch (IOException e) {
                throw new IOException(name() + " cannot consume queue '" + queue + "': " + RabbitConnection.reason(e)
                        + "; declare it first, or check the name and the user's permissions", e);
            }
        }
        partitionsChanged(queues);
        notReady = null;
    }

    private void handle(Object next) throws Exception {
        if (next == null) {
            return;
        }
        if (next instanceof Taken taken) {
            waiting.add(taken);
        } else if (next instanceof Settled settled) {
            inFlight--;
            if (!channel.isOpen()) {
                return; // a lost connection: the broker delivers it again
            }
            if (settled.cause == null) {
                channel.basicAck(settled.tag, false);
            } else {
                // the first message a node failed on is the one to blame; the others in flight fail with the pipeline
                boolean deadLetter = !requeueFailed && !blamed && settled.cause instanceof PipelineException;
                blamed |= settled.cause instanceof PipelineException;
                channel.basicNack(settled.tag, false, !deadLetter);
            }
        } else if (next instanceof Failure failure) {
            throw failure.error;
        }
    }

    private void measureBacklog() throws IOException {
        long now = System.nanoTime();
        if (now - lastBacklog < 1_000_000_000L || !channel.isOpen()) {
            return;
        }
        lastBacklog = now;
        long ready = 0;
        for (String queue : queues) {
            ready += channel.messageCount(queue);
        }
        backlog = ready;
    }

    /** A delivery, taken from the client's thread. */
    private record Taken(RabbitMessage message, long tag) {
    }

    /** A message settled by the pipeline, to acknowledge on the producing loop's thread; cause null if delivered. */
    private record Settled(long tag, Throwable cause) {
    }

    /** An error from a client thread that ends the source. */
    private record Failure(Exception error) {
    }

    /** Hands each delivery of one queue to the producing loop. */
    private final class Consumer extends DefaultConsumer {
        private final String queue;

        Consumer(String queue) {
            super(channel);
            this.queue = queue;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            inbox.add(new Taken(new RabbitMessage(queue, envelope.getExchange(), envelope.getRoutingKey(), properties,
                    body, envelope.isRedeliver()), envelope.getDeliveryTag()));
        }

        @Override
        public void handleCancel(String consumerTag) {
            inbox.add(new Failure(new IOException("the broker cancelled " + name() + "'s consumer of queue '" + queue
                    + "': the queue was deleted, or its node went down")));
        }
    }

    /** Tells the producing loop how the pipeline settled a message. */
    private final class Settle implements DeliveryCallback {
        private final long tag;

        Settle(long tag) {
            this.tag = tag;
        }

        @Override
        public void delivered() {
            inbox.add(new Settled(tag, null));
        }

        @Override
        public void failed(Throwable cause) {
            inbox.add(new Settled(tag, cause));
        }
    }

    /**
     * Builds a {@link RabbitSource}.
     *
     * <pre>{@code
     * RabbitSource source = RabbitSource.builder(factory)
     *         .queues("orders", "payments")
     *         .prefetch(500)
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private final ConnectionFactory factory;
        private RabbitConnection.Connector connector = ConnectionFactory::newConnection;
        private final List<String> queues = new ArrayList<>();
        private String name = "RabbitSource";
        private int bufferSize = 1_024;
        private int prefetch;
        private boolean requeueFailed = true;
        private long maxMessages = -1;
        private Duration stopTimeout = Duration.ofSeconds(30);

        private Builder(ConnectionFactory factory) {
            this.factory = factory;
        }

        /**
         * The queues to consume, which must exist (declare them, with their dead-letter exchange
         * if they have one, before the pipeline starts).
         *
         * @param names the queue names
         * @return this builder
         * @throws IllegalArgumentException if no name is given, or one is blank
         */
        public Builder queues(String... names) {
            if (names.length == 0) {
                throw new IllegalArgumentException("queues: give at least one queue name");
            }
            for (String queue : names) {
                if (queue == null || queue.isBlank()) {
                    throw new IllegalArgumentException("queues: a queue name is null or blank in " + List.of(names));
                }
                queues.add(queue);
            }
            return this;
        }

        /**
         * Names the source, for its threads, metrics and messages, and its consumer tags.
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
         * How many messages the broker may deliver before some are acknowledged: the buffer size
         * unless given. More lets a pipeline that holds messages a long time (windows, slow calls)
         * work on more at once, and makes more to deliver again after a crash.
         *
         * @param messages the prefetch count
         * @return this builder
         * @throws IllegalArgumentException if messages is not between 1 and 65 535
         */
        public Builder prefetch(int messages) {
            if (messages < 1 || messages > 65_535) {
                throw new IllegalArgumentException("prefetch: " + messages + " is not between 1 and 65535");
            }
            this.prefetch = messages;
            return this;
        }

        /**
         * Whether a message the pipeline failed on goes back to its queue (true, the default) or
         * to the queue's dead-letter exchange ({@code x-dead-letter-exchange}), or is dropped
         * when it has none.
         *
         * @param requeue true to requeue
         * @return this builder
         */
        public Builder requeueFailed(boolean requeue) {
            this.requeueFailed = requeue;
            return this;
        }

        /**
         * Ends the source after this many messages, for bounded runs and tests: it completes once
         * they are emitted (and stops as gracefully as on a stop).
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
         * How long a stop waits for the messages in flight to be settled before closing the
         * connection: 30 seconds unless given. What is left is delivered again by the broker.
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        Builder connector(RabbitConnection.Connector connector) {
            this.connector = connector;
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source
         * @throws IllegalStateException if no queue was given
         */
        public RabbitSource build() {
            if (queues.isEmpty()) {
                throw new IllegalStateException("RabbitSource.Builder: give the queues to consume with queues(..)");
            }
            return new RabbitSource(this);
        }

        static int positive(String what, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(what + ": " + value + " is not positive");
            }
            return value;
        }
    }
}
