package io.nanostream.files;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A service for {@link FileCrashTest}, run in a child JVM: follows a file, passes each line on
 * with a mark, and writes it to files in a directory, until the JVM is killed or stopped.
 * Arguments: the input file, the positions file, the output directory.
 */
final class FileRelay {

    private FileRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        FileSource source = FileSource.builder(Path.of(args[0])).positions(Path.of(args[1]))
                .follow(Duration.ofMillis(5)).commitInterval(Duration.ofMillis(20)).build();
        AbstractStep<FileRecord, String> mark = Steps.map((FileRecord line) -> line.text() + "!");
        source.subscribe(mark);
        mark.subscribe(FileSink.lines(Path.of(args[2]), (String line) -> line).batchSize(200)
                .maxWait(Duration.ofMillis(10)).rollAtBytes(64 * 1024).build());
        Pipeline pipeline = Pipeline.from(source).named("relay");
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(20)));
    }
}
