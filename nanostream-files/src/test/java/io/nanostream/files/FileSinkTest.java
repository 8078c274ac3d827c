package io.nanostream.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileSink} writing to a temporary directory. */
class FileSinkTest {

    private static final Duration TIMEOUT = FileSourceTest.TIMEOUT;

    @TempDir
    Path dir;

    @Test
    void writesALinePerItemRollingFilesBySizeAndTheLastAtTheEnd() throws Exception {
        List<String> lines = FileSourceTest.texts(0, 1_000); // "line-0".."line-999", 6 to 8 bytes and an end
        run(InMemorySource.from(lines), FileSink.lines(dir, (String line) -> line).prefix("out").rollAtBytes(2_000)
                .batchSize(100).build());

        List<Path> files = files();
        assertTrue(files.size() >= 4, files.toString());
        assertEquals("out-000001.txt", files.get(0).getFileName().toString());
        assertTrue(files.stream().noneMatch(file -> file.toString().endsWith(".inprogress")), files.toString());
        assertEquals(lines, readLines(files), "every line, in order, in files named in order");
        for (Path file : files.subList(0, files.size() - 1)) {
            assertTrue(Files.size(file) >= 2_000 && Files.size(file) < 2_000 + 100 * 9, file + " " + Files.size(file));
        }
    }

    @Test
    void anItemIsAcknowledgedOnlyOnceItsLineIsWrittenAndForcedToDisk() throws Exception {
        InMemorySource<String> source = InMemorySource.<String>manual().onAcknowledged(line -> {
            try {
                if (!Files.readString(inProgress(dir)).contains(line + "\n")) {
                    throw new AssertionError(line + " was acknowledged before it was in the file");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        source.subscribe(FileSink.lines(dir, (String line) -> line).batchSize(1_000).maxWait(Duration.ofSeconds(10))
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            VirtualTime time = VirtualTime.of(pipeline);
            pipeline.start();
            List.of("a", "b", "c").forEach(source::push);
            time.advance(Duration.ofSeconds(9));
            assertEquals(List.of(), source.acknowledged(), "nothing acknowledged before the sink's wait ends");
            assertEquals("", Files.readString(inProgress(dir)));

            time.advance(Duration.ofSeconds(1)); // written, forced, then acknowledged
            assertEquals(List.of("a", "b", "c"), source.acknowledged());
            assertEquals("a\nb\nc\n", Files.readString(inProgress(dir)));
            source.complete();
            pipeline.await(TIMEOUT); // the acknowledgement check above would have failed it
        }
    }

    @Test
    void aFileACrashLeftInProgressIsCutAfterItsLastWholeLineAndRolledAndNumbersGoOn() throws Exception {
        Files.writeString(dir.resolve("part-000007.txt.inprogress"), "kept\nalso kept\nhalf a li");
        Files.writeString(dir.resolve("part-000003.txt"), "older\n");

        run(InMemorySource.from(List.of("new")), FileSink.lines(dir, (String line) -> line).build());

        assertEquals(List.of("part-000003.txt", "part-000007.txt", "part-000008.txt"),
                files().stream().map(file -> file.getFileName().toString()).collect(Collectors.toList()));
        assertEquals("kept\nalso kept\n", Files.readString(dir.resolve("part-000007.txt")));
        assertEquals("new\n", Files.readString(dir.resolve("part-000008.txt")));
    }

    @Test
    void recordsRoundTripThroughASourceAndARecordCutByACrashIsDropped() throws Exception {
        List<byte[]> records = List.of("a".getBytes(StandardCharsets.UTF_8), new byte[0],
                "line\nend".getBytes(StandardCharsets.UTF_8));
        run(InMemorySource.from(records), FileSink.records(dir, (byte[] bytes) -> bytes).build());
        Path file = files().get(0);
        assertEquals(List.of("a", "", "line\nend"),
                FileSourceTest.texts(FileSourceTest.run(FileSource.builder(file).lengthDelimited().build())));

        Files.move(file, dir.resolve("part-000001.bin.inprogress"));
        Files.write(dir.resolve("part-000001.bin.inprogress"), new byte[] {0, 0, 0, 9, 'c', 'u', 't'},
                java.nio.file.StandardOpenOption.APPEND);
        run(InMemorySource.from(List.<byte[]>of()), FileSink.records(dir, (byte[] bytes) -> bytes).build());
        assertEquals(List.of("a", "", "line\nend"),
                FileSourceTest.texts(FileSourceTest.run(FileSource.builder(file).lengthDelimited().build())));
    }

    @Test
    void aFileIsRolledOnceItHasBeenOpenForRollAfterWithNothingMoreWritten() throws Exception {
        InMemorySource<String> source = InMemorySource.<String>manual().push("a"); // stays open after it
        FileSink<String> sink = FileSink.lines(dir, (String line) -> line).rollAfter(Duration.ofMinutes(10)).build();
        source.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            VirtualTime time = VirtualTime.of(pipeline);
            pipeline.start();
            time.advance(Duration.ofMinutes(9));
            assertEquals(List.of("part-000001.txt.inprogress"), names());
            time.advance(Duration.ofMinutes(1));
            assertEquals(List.of("part-000001.txt"), names());
        }
    }

    @Test
    void anItemTheEncoderRefusesGoesToTheErrorPolicyAndTheOthersAreWritten() throws Exception {
        FileSink<String> sink = FileSink.lines(dir, (String line) -> line).build();
        sink.withErrorPolicy(ErrorPolicy.skip());
        run(InMemorySource.from(List.of("a", "two\nlines", "b")), sink);
        assertEquals(List.of("a", "b"), readLines(files()));

        assertThrows(IllegalArgumentException.class, () -> FileSink.lines(dir, (String s) -> s).prefix("a/b"));
        assertThrows(IllegalArgumentException.class, () -> FileSink.lines(dir, (String s) -> s).rollAtBytes(0));
        FileSink<String> nowhere = FileSink.lines(dir.resolve("missing"), (String s) -> s).build();
        var items = InMemorySource.from(List.of("x"));
        items.subscribe(nowhere);
        try (Pipeline pipeline = Pipeline.from(items)) {
            pipeline.start();
            Throwable failure = assertThrows(Exception.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("missing: it is not a directory; create it first"),
                    failure.getMessage());
        }
    }

    private static <T> void run(InMemorySource<T> source, FileSink<T> sink) throws Exception {
        source.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    private List<String> names() throws IOException {
        return files().stream().map(file -> file.getFileName().toString()).collect(Collectors.toList());
    }

    private static Path inProgress(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(file -> file.toString().endsWith(".inprogress")).findFirst().orElseThrow();
        }
    }

    static List<String> readLines(List<Path> files) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path file : files) {
            lines.addAll(Files.readAllLines(file));
        }
        return lines;
    }
}
