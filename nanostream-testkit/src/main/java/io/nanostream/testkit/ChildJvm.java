package io.nanostream.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline run in a JVM of its own, for a crash test: start it, wait for the moment that hurts
 * most (an output forced to disk, a database commit, a broker's acknowledgement), and kill it with
 * SIGKILL, as {@code kill -9} or a power cut would; then start it again and check that nothing
 * was lost. The child runs {@code mainClass} on this JVM's class path with a 256 MB heap; its
 * output goes to a file in the temporary directory, which a failed {@link #await} names and
 * quotes the end of, and {@link #close()} deletes otherwise.
 *
 * <pre>{@code
 * try (ChildJvm relay = ChildJvm.start(FileRelay.class, in.toString(), out.toString())) {
 *     relay.await(Duration.ofSeconds(60), "an output", () -> Files.size(out) > 0);
 *     relay.kill();
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path log;
    private boolean failed;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} in a new JVM.
     *
     * @param mainClass the class whose {@code main} runs
     * @param args its arguments
     * @return the child, running
     * @throws IOException if the JVM cannot be started
     * @throws NullPointerException if an argument is null
     */
    public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        for (String arg : args) {
            command.add(Objects.requireNonNull(arg, "an argument is null"));
        }
        Path log = Files.createTempFile("nanostream-" + mainClass.getSimpleName() + "-", ".log");
        try {
            return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(log);
            throw e;
        }
    }

    /** Something the test looks at, in files, a database or a broker. */
    @FunctionalInterface
    public interface Condition {

        /**
         * Tells whether the awaited moment has come.
         *
         * @return true once it has
         * @throws Exception if looking fails; the wait fails with it
         */
        boolean holds() throws Exception;
    }

    /**
     * Waits until {@code condition} holds, looking every millisecond or so.
     *
     * @param timeout how long to wait at most
     * @param what what is awaited, for the failure message
     * @param condition the moment awaited
     * @throws AssertionError if the child exited, or time ran out, before the condition held
     * @throws Exception what the condition threw
     */
    public void await(Duration timeout, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                failed = true;
                throw new AssertionError("waited for " + what + ": the child " + (process.isAlive()
                        ? "did not get there in " + timeout : "exited with " + process.exitValue()) + "; its output, in "
                        + log + ", ends with:\n" + lastLines());
            }
            process.waitFor(1, TimeUnit.MILLISECONDS); // a wait that ends early if the child dies
        }
    }

    /** The last lines the child wrote, for a failure message. */
    private String lastLines() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | java.io.UncheckedIOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * Kills the child with SIGKILL, and waits for it to be gone.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /**
     * Asks the child to stop with SIGTERM, as a service manager would, and waits for it to exit.
     *
     * @param timeout how long to wait
     * @return true if it exited in time; false if it still runs
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean stop(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Tells whether the child still runs.
     *
     * @return true until it exited or was killed
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the child if it still runs, and waits for it to be gone; interrupted, it stops waiting
     * and keeps the thread's interrupt. Deletes the child's output unless a wait failed.
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!failed) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                log.toFile().deleteOnExit();
            }
        }
    }
}
