package io.nanostream.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.testkit.ChildJvm;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stream to stream through a pipeline in a child JVM killed with SIGKILL: right after an output
 * was stored (the test sees the output stream grow), and at random moments. After the restarts
 * every input is in the output, and, the sink giving each message its id, none twice.
 */
@Tag("crash")
@Timeout(300)
class NatsCrashTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void fourKillsLoseNoMessageAndMessageIdsLeaveNoneTwice() throws Exception {
        try (Jet jet = Jet.connect()) {
            String in = jet.stream("relay-in");
            String out = jet.stream("relay-out");
            List<String> bodies = Jet.bodies("m", 20_000);
            Random random = new Random();
            List<String> moments = List.of("output", "random", "output", "random");
            int part = bodies.size() / (moments.size() + 1);
            for (int kill = 0; kill < moments.size(); kill++) {
                jet.publish(in, bodies.subList(kill * part, (kill + 1) * part)); // each child has its own to do
                long before = jet.count(out);
                try (ChildJvm child = ChildJvm.start(NatsRelay.class, in, out)) {
                    awaitCount(jet, out, before + 1, child); // right after the server stored an output
                    if (moments.get(kill).equals("random")) {
                        awaitCount(jet, out, before + 1 + random.nextInt(part / 2), child);
                    }
                    child.kill();
                }
            }
            jet.publish(in, bodies.subList(moments.size() * part, bodies.size()));
            try (ChildJvm last = ChildJvm.start(NatsRelay.class, in, out)) {
                awaitCount(jet, out, bodies.size(), last);
                List<String> outputs = jet.read(out);
                TreeSet<String> missing = bodies.stream().map(body -> body + "!").collect(Collectors.toCollection(
                        TreeSet::new));
                missing.removeAll(outputs);
                assertEquals(new TreeSet<>(), missing, "missing after " + moments.size() + " kills");
                int duplicates = outputs.size() - new HashSet<>(outputs).size();
                System.out.printf("nats crash run: %d kills, %d of %d messages out, %d duplicates%n", moments.size(),
                        new HashSet<>(outputs).size(), bodies.size(), duplicates);
                assertEquals(0, duplicates, "the server dropped the messages published again");
                last.stop(Duration.ofSeconds(30));
            }
        }
    }

    /** Waits until the stream holds {@code count} messages; fails if the child died or time ran out. */
    private static void awaitCount(Jet jet, String stream, long count, ChildJvm child) throws Exception {
        child.await(TIMEOUT, count + " messages in " + stream, () -> jet.count(stream) >= count);
    }
}
