package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.flow.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link FileToFiles} twice on a temporary directory: the second run takes only what was appended. */
class FileToFilesTest {

    @TempDir
    Path work;

    @Test
    void theLargeOrdersAreWrittenTheMalformedSkippedAndASecondRunTakesOnlyWhatWasAppended() throws Exception {
        Path orders = work.resolve("orders.csv");
        List<String> sample = FileToFiles.sample(1_200);
        Files.write(orders, sample.subList(0, 1_000));
        assertEquals("read 1000 orders, skipped 10 that did not parse, wrote " + large(sample.subList(0, 1_000)).size()
                + " large ones", run(orders));

        Files.write(orders, sample.subList(1_000, 1_200), StandardOpenOption.APPEND);
        assertEquals("read 200 orders, skipped 2 that did not parse, wrote " + large(sample.subList(1_000, 1_200)).size()
                + " large ones", run(orders));

        List<String> written = new ArrayList<>();
        try (Stream<Path> files = Files.list(work.resolve("large-orders"))) {
            for (Path file : files.sorted().collect(Collectors.toList())) {
                written.addAll(Files.readAllLines(file));
            }
        }
        assertEquals(large(sample), written, "each once, in order, in rolled files");
    }

    private String run(Path orders) throws Exception {
        Pipeline pipeline = FileToFiles.pipeline(orders, work, false);
        pipeline.start();
        pipeline.await(Duration.ofSeconds(60));
        pipeline.close();
        return FileToFiles.summary(pipeline);
    }

    private static List<String> large(List<String> orders) {
        return orders.stream().filter(order -> order.contains(",") && Integer.parseInt(order.split(",")[1]) >= 500)
                .collect(Collectors.toList());
    }
}
