package io.nanostream.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.nanostream.testkit.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Queue to queue through a pipeline in a child JVM killed with SIGKILL: right after an output was
 * published and confirmed (the test sees it in the output queue), and at random moments; after
 * the restarts, every input is in the output, and the duplicates are counted.
 */
@Tag("crash")
@Timeout(300)
class RabbitCrashTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void fourKillsLoseNoMessage() throws Exception {
        try (Rabbit rabbit = Rabbit.connect()) {
            String in = rabbit.queue("relay-in");
            String out = rabbit.queue("relay-out");
            List<String> bodies = Rabbit.bodies("m", 40_000);
            List<String> outputs = new CopyOnWriteArrayList<>();
            rabbit.channel().basicConsume(out, true, new DefaultConsumer(rabbit.channel()) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    outputs.add(new String(body, StandardCharsets.UTF_8));
                }
            });
            Random random = new Random();
            List<String> moments = List.of("output", "random", "output", "random");
            int part = bodies.size() / (moments.size() + 1);
            for (int kill = 0; kill < moments.size(); kill++) {
                rabbit.publish(in, bodies.subList(kill * part, (kill + 1) * part)); // each child has its own to do
                int before = outputs.size();
                try (ChildJvm child = ChildJvm.start(RabbitRelay.class, in, out)) {
                    awaitOutputs(outputs, before + 1, child); // right after the broker confirmed an output
                    if (moments.get(kill).equals("random")) {
                        awaitOutputs(outputs, before + 1 + random.nextInt(part / 2), child);
                    }
                    child.kill();
                }
            }
            rabbit.publish(in, bodies.subList(moments.size() * part, bodies.size()));
            try (ChildJvm last = ChildJvm.start(RabbitRelay.class, in, out)) {
                List<String> expected = bodies.stream().map(body -> body + "!").collect(Collectors.toList());
                for (List<String> seen = List.copyOf(outputs); !new HashSet<>(seen).containsAll(expected);
                        seen = List.copyOf(outputs)) {
                    try {
                        awaitOutputs(outputs, seen.size() + 1, last); // one more than those just looked at
                    } catch (AssertionError nothingMore) {
                        break; // the assertion below names what is missing
                    }
                }
                TreeSet<String> missing = new TreeSet<>(expected);
                missing.removeAll(outputs);
                assertEquals(new TreeSet<>(), missing, "missing after " + moments.size() + " kills");
                int duplicates = outputs.size() - new HashSet<>(outputs).size();
                System.out.printf("rabbitmq crash run: %d kills, %d of %d messages out, %d duplicates%n", moments.size(),
                        new HashSet<>(outputs).size(), bodies.size(), duplicates);
                last.stop(Duration.ofSeconds(30));
            }
        }
    }

    /** Waits until there are {@code count} outputs; fails if the child died or time ran out. */
    private static void awaitOutputs(List<String> outputs, int count, ChildJvm child) throws Exception {
        child.await(TIMEOUT, count + " outputs (" + outputs.size() + " when the wait began)", () -> outputs.size() >= count);
    }
}
