package io.nanostream.rabbitmq;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A service for {@link RabbitCrashTest}, run in a child JVM: takes messages from one queue,
 * passes each on with a mark, and publishes it to another, until the JVM is killed or stopped.
 * Arguments: the input queue, the output queue.
 */
final class RabbitRelay {

    private RabbitRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        RabbitSource source = RabbitSource.builder(Rabbit.factory()).queues(args[0]).prefetch(500).build();
        AbstractStep<RabbitMessage, String> mark = Steps.map((RabbitMessage message) -> message.bodyAsString() + "!");
        source.subscribe(mark);
        mark.subscribe(RabbitSink.builder(Rabbit.factory())
                .toQueue(args[1], (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .build());
        Pipeline pipeline = Pipeline.from(source).named("relay");
        System.out.println("running");
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(20)));
    }
}
