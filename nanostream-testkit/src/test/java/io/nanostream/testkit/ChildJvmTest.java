package io.nanostream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ChildJvmTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /**
     * A child: writes "started" to the file of its first argument, then waits for its input to end,
     * which it never does; with "exit" as second argument it says so and exits with status 3 instead, and on
     * SIGTERM it writes "stopped".
     */
    static final class Child {
        public static void main(String[] args) throws IOException {
            Path file = Path.of(args[0]);
            if (args.length > 1) {
                System.out.println("exiting with 3, as asked");
                System.exit(3);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.writeString(file, "stopped");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
            Files.writeString(file, "started");
            System.in.read();
        }
    }

    /** The output files of children in the temporary directory. */
    private static Set<Path> childOutputs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(file -> file.getFileName().toString().startsWith("nanostream-Child-"))
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void awaitsWhatTheChildDoesAndKillsIt() throws Exception {
        Path file = dir.resolve("child");
        Set<Path> outputs = childOutputs();
        try (ChildJvm child = ChildJvm.start(Child.class, file.toString())) {
            child.await(TIMEOUT, "the child's file", () -> Files.exists(file) && Files.readString(file).equals("started"));
            child.kill();
            assertFalse(child.isAlive());
        }
        assertTrue(Files.readString(file).equals("started"), "SIGKILL runs no shutdown hook");
        assertEquals(outputs, childOutputs(), "its output file, no wait having failed, is deleted");
    }

    @Test
    void stopIsTheSigtermAServiceManagerSends() throws Exception {
        Path file = dir.resolve("child");
        try (ChildJvm child = ChildJvm.start(Child.class, file.toString())) {
            child.await(TIMEOUT, "the child's file", () -> Files.exists(file) && Files.readString(file).equals("started"));
            assertTrue(child.stop(TIMEOUT), "the child exits on SIGTERM");
        }
        assertTrue(Files.readString(file).equals("stopped"), "its shutdown hook ran");
    }

    @Test
    void aWaitForAChildThatExitedFailsSayingSo() throws Exception {
        try (ChildJvm child = ChildJvm.start(Child.class, dir.resolve("child").toString(), "exit")) {
            AssertionError failure = assertThrows(AssertionError.class,
                    () -> child.await(TIMEOUT, "what never comes", () -> false));
            assertTrue(failure.getMessage().startsWith("waited for what never comes: the child exited with 3; its output, in ")
                    && failure.getMessage().endsWith("ends with:\nexiting with 3, as asked"), failure.getMessage());
        }
    }
}
