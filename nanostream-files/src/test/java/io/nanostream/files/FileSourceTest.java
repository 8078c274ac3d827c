package io.nanostream.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileSource} on files in a temporary directory. */
class FileSourceTest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void readsEveryLineOfEveryFileWithoutItsEndAndCompletes() throws Exception {
        Path a = write("a.txt", "one\ntwo\r\n\nthree"); // the last line has no end
        Path b = write("b.txt", "ü\n");

        List<FileRecord> records = run(FileSource.builder(a, b).build());

        assertEquals(List.of("one", "two", "", "three", "ü"), texts(records));
        assertEquals(List.of(0L, 4L, 9L, 10L), records.stream().filter(r -> r.file().equals(a))
                .map(FileRecord::offset).collect(Collectors.toList()), "where each line starts");
    }

    @Test
    void aRestartResumesAfterTheLastLineFullyProcessedNotTheLastRead() throws Exception {
        Path in = write("in.txt", lines(0, 1_000));
        Path positions = dir.resolve("positions");
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = into(FileSource.builder(in).positions(positions).build(), failingOn("line-600"), sink)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("line-600"), failure.getMessage());
        }
        assertEquals(texts(0, 600), sink.items(), "up to the line it failed on");

        List<String> again = texts(run(FileSource.builder(in).positions(positions).build()));

        assertEquals(texts(600, 1_000), again, "from the line the pipeline failed on, none before it again");
        assertEquals(List.of(), texts(run(FileSource.builder(in).positions(positions).build())), "all done");
        assertTrue(Files.readString(positions).startsWith(Files.size(in) + "\t"), Files.readString(positions));
    }

    @Test
    void aFollowedFileIsReadAsItGrowsALineOnceItsEndIsWrittenAndAgainFromItsStartWhenTruncatedOrReplaced()
            throws Exception {
        Path log = dir.resolve("app.log");
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = into(FileSource.builder(log).follow(Duration.ofMillis(5)).build(),
                Steps.map((String line) -> line), sink)) {
            pipeline.start();
            awaitReason(pipeline, "source 'FileSource' waits for " + log + " to exist");
            append(log, "a\nb");
            assertEquals(List.of("a"), sink.awaitCount(1, TIMEOUT), "b has no end yet");
            append(log, "\nc\n");
            assertEquals(List.of("a", "b", "c"), sink.awaitCount(3, TIMEOUT));

            Files.writeString(log, "x\n", StandardOpenOption.TRUNCATE_EXISTING); // as logrotate's copytruncate
            assertEquals(List.of("a", "b", "c", "x"), sink.awaitCount(4, TIMEOUT));

            Path next = dir.resolve("app.log.new");
            Files.writeString(next, "y\n");
            Files.move(log, dir.resolve("app.log.1"));
            Files.move(next, log); // replaced under its name
            assertEquals(List.of("a", "b", "c", "x", "y"), sink.awaitCount(5, TIMEOUT));
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of("a", "b", "c", "x", "y"), sink.items(), "nothing more");
    }

    @Test
    void aFileReplacedWhileThePipelineWasDownIsReadFromItsStart() throws Exception {
        Path in = write("in.txt", lines(0, 10));
        Path positions = dir.resolve("positions");
        run(FileSource.builder(in).positions(positions).build());
        Files.delete(in);
        write("in.txt", lines(100, 103)); // a new file: another inode, even if longer

        assertEquals(texts(100, 103), texts(run(FileSource.builder(in).positions(positions).build())));
    }

    @Test
    void aLineTooLongGoesToTheErrorPolicyNamingWhereItIsAndTheOthersAreRead() throws Exception {
        String tooLong = "z".repeat(50);
        Path in = write("in.txt", "a\n" + tooLong + "\nb\n" + tooLong);
        var sink = new CollectingSink<String>();
        var source = FileSource.builder(in).maxRecordBytes(20).build();
        source.withErrorPolicy(ErrorPolicy.skip());
        try (Pipeline pipeline = into(source, Steps.map((String line) -> line), sink)) {
            pipeline.start();
            assertEquals(List.of("a", "b"), sink.awaitCompletion(TIMEOUT));
            assertEquals(2, pipeline.metrics().node("FileSource").skipped(), pipeline.metrics().toString());
        }

        var failing = new CollectingSink<String>();
        try (Pipeline pipeline = into(FileSource.builder(in).maxRecordBytes(20).build(),
                Steps.map((String line) -> line), failing)) {
            pipeline.start();
            Throwable failure = failing.awaitError(TIMEOUT);
            assertTrue(failure.getMessage().contains("the line at byte 2 of " + in + " is 51 bytes long, longer than"
                    + " the 20 bytes allowed: raise maxRecordBytes(..)"), failure.getMessage());
        }
    }

    @Test
    void lengthDelimitedRecordsAreReadAndACorruptLengthFailsNamingTheFileAndByte() throws Exception {
        Path in = dir.resolve("in.bin");
        ByteBuffer bytes = ByteBuffer.allocate(100);
        for (String text : List.of("first", "", "third\nwith a line end")) {
            bytes.putInt(text.length()).put(text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(in, java.util.Arrays.copyOf(bytes.array(), bytes.position()));

        assertEquals(List.of("first", "", "third\nwith a line end"),
                texts(run(FileSource.builder(in).lengthDelimited().build())));

        Path lines = write("lines.txt", "not records\n");
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = into(FileSource.builder(lines).lengthDelimited().build(),
                Steps.map((String line) -> line), sink)) {
            pipeline.start();
            Throwable failure = sink.awaitError(TIMEOUT);
            assertTrue(failure.getMessage().contains(lines + " holds no length-delimited record at byte 0"),
                    failure.getMessage());
        }
    }

    @Test
    void aMissingFileFailsThePipelineAsItStartsUnlessTheSourceFollows() throws Exception {
        Path missing = dir.resolve("missing.txt");
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = into(FileSource.builder(missing).build(), Steps.map((String line) -> line), sink)) {
            pipeline.start();
            Throwable failure = sink.awaitError(TIMEOUT);
            assertTrue(failure.getCause() instanceof NoSuchFileException, failure.toString());
            assertTrue(failure.getMessage().contains("missing.txt"), failure.getMessage());
        }
    }

    @Test
    void theBuilderRefusesWhatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> FileSource.builder());
        Path a = dir.resolve("a");
        assertThrows(IllegalArgumentException.class, () -> FileSource.builder(a, dir.resolve("x/../a")));
        assertThrows(IllegalArgumentException.class, () -> FileSource.builder(a).follow(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> FileSource.builder(a).maxRecordBytes(0));
    }

    private static void awaitReason(Pipeline pipeline, String reason) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!pipeline.health().reasons().contains(reason)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not said: " + reason + "; " + pipeline.health());
            }
            Thread.onSpinWait();
        }
    }

    static AbstractStep<String, String> failingOn(String bad) {
        return Steps.map((String line) -> {
            if (line.equals(bad)) {
                throw new IllegalArgumentException("cannot take " + line);
            }
            return line;
        });
    }

    static Pipeline into(FileSource source, AbstractStep<String, String> step, CollectingSink<String> sink) {
        AbstractStep<FileRecord, String> text = Steps.map(FileRecord::text);
        source.subscribe(text);
        text.subscribe(step);
        step.subscribe(sink);
        return Pipeline.from(source);
    }

    static List<FileRecord> run(FileSource source) throws Exception {
        var sink = new CollectingSink<FileRecord>();
        source.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        return sink.items();
    }

    static List<String> texts(List<FileRecord> records) {
        return records.stream().map(FileRecord::text).collect(Collectors.toList());
    }

    static List<String> texts(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "line-" + i).collect(Collectors.toList());
    }

    static String lines(int from, int to) {
        return texts(from, to).stream().map(line -> line + "\n").collect(Collectors.joining());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
