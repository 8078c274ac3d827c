package io.nanostream.nats;

import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A message a {@link NatsSource} took from a JetStream stream: its body as it came, with where it
 * came from. The body is not copied; treat it as read-only.
 *
 * <pre>{@code
 * AbstractStep<NatsMessage, Order> parse = Steps.map((NatsMessage message) -> Order.parse(message.bodyAsString()));
 * }</pre>
 *
 * @param stream the stream it was taken from
 * @param subject the subject it was published to
 * @param headers its headers, empty if it had none
 * @param body its body
 * @param streamSequence its sequence number in the stream
 * @param delivered how many times it was delivered, this time included: more than 1 when a
 *     consumer before did not acknowledge it (a crash, a lost connection, a negative
 *     acknowledgement), so it may have been processed
 */
public record NatsMessage(String stream, String subject, Headers headers, byte[] body, long streamSequence,
        long delivered) {

    /**
     * Checks that nothing is null.
     *
     * @param stream the stream it was taken from
     * @param subject the subject it was published to
     * @param headers its headers
     * @param body its body
     * @param streamSequence its sequence number in the stream
     * @param delivered how many times it was delivered
     * @throws NullPointerException if an argument is null
     */
    public NatsMessage {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(headers, "headers");
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
        return "NatsMessage[stream=" + stream + ", subject=" + subject + ", sequence=" + streamSequence + ", "
                + body.length + " bytes" + (delivered > 1 ? ", delivered " + delivered + " times" : "") + "]";
    }
}
