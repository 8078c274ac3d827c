package io.nanostream.files;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import io.nanostream.testkit.tck.SourceVerification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Flow;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link FileSource} against the Reactive Streams TCK, each source reading a file of its
 * own that holds as many lines as the TCK asks for.
 */
public class FileSourceTckTest extends SourceVerification<FileRecord> {

    private Path dir;

    @BeforeClass
    public void createDirectory() throws IOException {
        dir = Files.createTempDirectory("file-source-tck");
    }

    @AfterClass
    public void deleteDirectory() throws IOException {
        FileSinkTckTest.delete(dir);
    }

    @Override
    protected AbstractSource<FileRecord> createSource(long elements) {
        try {
            Path file = Files.createTempFile(dir, "tck", ".txt");
            Files.writeString(file, FileSourceTest.lines(0, (int) elements));
            return FileSource.builder(file).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Flow.Publisher<FileRecord> createFailedFlowPublisher() {
        return Standalone.start(FileSource.builder(dir.resolve("missing.txt")).build());
    }

    @Override
    public long maxElementsFromPublisher() {
        return 100_000; // written up front; the TCK skips what needs more
    }
}
