package io.nanostream.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A followed file relayed to rolling files by a pipeline in a child JVM killed with SIGKILL:
 * right after its source replaced the positions file, right after its sink forced a write to disk
 * (before the positions could say so), and at random moments; after the restarts, every input
 * line is in the output, whole, and the duplicates are counted.
 */
@Tag("crash")
@Timeout(300)
class FileCrashTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void fiveKillsLoseNoLine() throws Exception {
        Path in = dir.resolve("in.log");
        Path positions = dir.resolve("positions");
        Path out = Files.createDirectory(dir.resolve("out"));
        int lines = 60_000;
        List<String> moments = List.of("positions", "output", "random", "positions", "output");
        int part = lines / (moments.size() + 1);
        Random random = new Random();
        for (int kill = 0; kill < moments.size(); kill++) {
            FileSourceTest.append(in, FileSourceTest.lines(kill * part, (kill + 1) * part)); // each child has its own
            String positionsBefore = read(positions);
            long outputBefore = bytes(out);
            try (ChildJvm child = ChildJvm.start(FileRelay.class, in.toString(), positions.toString(), out.toString())) {
                switch (moments.get(kill)) {
                    case "positions" -> child.await(TIMEOUT, "new positions", () -> !read(positions).equals(positionsBefore));
                    case "output" -> child.await(TIMEOUT, "an output forced to disk", () -> bytes(out) > outputBefore);
                    default -> {
                        long more = outputBefore + 1 + random.nextInt(part * 8);
                        child.await(TIMEOUT, "outputs", () -> bytes(out) >= more);
                    }
                }
                child.kill();
            }
        }
        FileSourceTest.append(in, FileSourceTest.lines(moments.size() * part, lines));
        List<String> expected = FileSourceTest.texts(0, lines).stream().map(line -> line + "!")
                .collect(Collectors.toList());
        try (ChildJvm last = ChildJvm.start(FileRelay.class, in.toString(), positions.toString(), out.toString())) {
            last.await(TIMEOUT, "every line in the output", () -> new HashSet<>(outputs(out)).containsAll(expected));
            assertTrue(last.stop(Duration.ofSeconds(30)), "the last relay stops when told"); // SIGTERM: a graceful stop
        }
        List<String> outputs = outputs(out);
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(outputs);
        assertEquals(new TreeSet<>(), missing, "missing after " + moments.size() + " kills");
        assertEquals(new HashSet<>(expected), new HashSet<>(outputs), "nothing but the inputs, each whole");
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(), files.filter(file -> file.toString().endsWith(".inprogress"))
                    .collect(Collectors.toList()), "the graceful stop rolled the last file");
        }
        assertTrue(read(positions).startsWith(Files.size(in) + "\t"), "all finished: " + read(positions));
        System.out.printf("files crash run: %d kills, %d of %d lines out, %d duplicates%n", moments.size(),
                new HashSet<>(outputs).size(), lines, outputs.size() - new HashSet<>(outputs).size());
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return "";
        }
    }

    private static long bytes(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            long total = 0;
            for (Path file : (Iterable<Path>) files::iterator) {
                try {
                    total += Files.size(file);
                } catch (java.nio.file.NoSuchFileException rolled) {
                    // renamed as it was listed: counted under its new name on the next look
                }
            }
            return total;
        }
    }

    /** The whole lines of every file in the directory, rolled or in progress; a line being written is left out. */
    private static List<String> outputs(Path out) throws IOException {
        List<String> lines = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> listed = Files.list(out)) {
            files = listed.sorted().collect(Collectors.toList());
        }
        for (Path file : files) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException rolled) {
                text = Files.readString(Path.of(file.toString().replace(".inprogress", "")));
            }
            int end = text.lastIndexOf('\n');
            if (end >= 0) {
                lines.addAll(List.of(text.substring(0, end).split("\n", -1)));
            }
        }
        return lines;
    }
}
