package io.nanostream.nats;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A service for {@link NatsCrashTest}, run in a child JVM: takes messages from one stream, passes
 * each on with a mark, and publishes it to another with its body as message id, until the JVM is
 * killed or stopped. Arguments: the input stream, the output stream.
 */
final class NatsRelay {

    private NatsRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        NatsSource source = NatsSource.builder(Jet.options()).stream(args[0]).durable("relay").batch(500)
                .ackWait(Duration.ofSeconds(5)) // what a killed relay had pulled comes again after 5 s
                .build();
        AbstractStep<NatsMessage, String> mark = Steps.map((NatsMessage message) -> message.bodyAsString() + "!");
        source.subscribe(mark);
        mark.subscribe(NatsSink.builder(Jet.options())
                .toSubject(args[1] + ".out", (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .messageId(body -> body)
                .build());
        Pipeline pipeline = Pipeline.from(source).named("relay");
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(20)));
    }
}
