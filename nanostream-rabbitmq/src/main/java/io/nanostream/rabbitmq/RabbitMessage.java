package io.nanostream.rabbitmq;

import com.rabbitmq.client.AMQP;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A message a {@link RabbitSource} took from a queue: its body as it came, with where it came
 * from. The body is not copied; treat it as read-only.
 *
 * <pre>{@code
 * AbstractStep<RabbitMessage, Order> parse = Steps.map((RabbitMessage message) -> Order.parse(message.bodyAsString()));
 * }</pre>
 *
 * @param queue the queue it was taken from
 * @param exchange the exchange it was published to ({@code ""} for the default exchange)
 * @param routingKey the routing key it was published with
 * @param properties its properties (headers, content type, message id, ...)
 * @param body its body
 * @param redelivered whether the broker delivered it before, to this or another consumer that did
 *     not acknowledge it (a crash, a lost connection, a requeue): it may have been processed
 */
public record RabbitMessage(String queue, String exchange, String routingKey, AMQP.BasicProperties properties,
        byte[] body, boolean redelivered) {

    /**
     * Checks that nothing is null.
     *
     * @param queue the queue it was taken from
     * @param exchange the exchange it was published to
     * @param routingKey the routing key it was published with
     * @param properties its properties
     * @param body its body
     * @param redelivered whether the broker delivered it before
     * @throws NullPointerException if an argument is null
     */
    public RabbitMessage {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(body, "body");
    }

    /**
     * Returns the body as UTF-8 text.
     *
     * @return the text
     */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RabbitMessage[queue=" + queue + ", routingKey=" + routingKey + ", " + body.length + " bytes"
                + (redelivered ? ", redelivered" : "") + "]";
    }
}
