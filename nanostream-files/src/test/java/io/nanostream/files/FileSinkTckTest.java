package io.nanostream.files;

import io.nanostream.flow.AbstractSink;
import io.nanostream.testkit.tck.SinkVerification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** Verifies {@link FileSink} against the Reactive Streams TCK, black-box, every sink writing to one directory. */
public class FileSinkTckTest extends SinkVerification<Integer> {

    private Path dir;
    private int sinks;

    @BeforeClass
    public void createDirectory() throws IOException {
        dir = Files.createTempDirectory("file-sink-tck");
    }

    @AfterClass
    public void deleteDirectory() throws IOException {
        delete(dir);
    }

    @Override
    protected AbstractSink<Integer> createSink() {
        return FileSink.lines(dir, (Integer i) -> String.valueOf(i)).prefix("sink" + ++sinks).build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }

    static void delete(Path dir) throws IOException {
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path path : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(path);
                }
            }
        }
    }
}
