package io.nanostream.examples;

import io.nanostream.files.FileRecord;
import io.nanostream.files.FileSink;
import io.nanostream.files.FileSource;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Files without a broker: orders ({@code "id,amount"}, a line each) are read from a file, parsed,
 * and the large ones written to rolling files in {@code <work>/large-orders}; a line that does not
 * parse is skipped. The source keeps, in {@code <work>/positions}, how far the orders were fully
 * processed (written and forced to disk): kill the process at any moment and the next run goes on
 * from there, losing nothing; run it again and it reads only what was appended since.
 *
 * <pre>
 * mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.FileToFiles \
 *     -Dexec.args="orders.csv work --follow"
 * </pre>
 *
 * With no argument it writes 1 000 sample orders to {@code target/file-to-files/orders.csv}, works in
 * {@code target/file-to-files}, and stops at the file's end; {@code --follow} keeps reading what is
 * appended until Ctrl-C stops it gracefully.
 */
public final class FileToFiles {

    private FileToFiles() {
    }

    /** The pipeline: the orders file → parse (skipping what does not parse) → large ones → files. */
    static Pipeline pipeline(Path orders, Path work, boolean follow) throws IOException {
        FileSource.Builder source = FileSource.builder(orders).positions(work.resolve("positions"));
        if (follow) {
            source.follow(Duration.ofMillis(200));
        }
        FileSource lines = source.build();
        lines.named("orders");
        AbstractStep<FileRecord, QueueToQueue.Order> parse = Steps.map((FileRecord line) -> QueueToQueue.Order.parse(
                line.text())).named("parse").withErrorPolicy(ErrorPolicy.skip());
        AbstractStep<QueueToQueue.Order, QueueToQueue.Order> large = Steps.filter(order -> order.amount() >= 500);
        FileSink<QueueToQueue.Order> out = FileSink.lines(Files.createDirectories(work.resolve("large-orders")),
                        (QueueToQueue.Order order) -> order.id() + "," + order.amount())
                .prefix("large-orders")
                .suffix(".csv")
                .rollAtBytes(16 * 1024)
                .named("large-orders")
                .build();
        lines.subscribe(parse);
        parse.subscribe(large);
        large.subscribe(out);
        return Pipeline.from(lines).named("file-to-files");
    }

    /** Sample orders, every 100th malformed. */
    static List<String> sample(int count) {
        List<String> orders = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            orders.add(i % 100 == 99 ? "order-" + i : "order-" + i + "," + (i * 37 % 1_000));
        }
        return orders;
    }

    /**
     * Runs the example.
     *
     * @param args the orders file, the working directory and {@code --follow}, all optional
     * @throws IOException if the files cannot be written
     * @throws InterruptedException if interrupted while the pipeline runs
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Path orders;
        Path work;
        if (args.length >= 2) {
            orders = Path.of(args[0]);
            work = Files.createDirectories(Path.of(args[1]));
        } else {
            work = Files.createDirectories(Path.of("target", "file-to-files"));
            orders = work.resolve("orders.csv");
            if (Files.notExists(orders)) {
                Files.write(orders, sample(1_000));
            }
        }
        boolean follow = List.of(args).contains("--follow");
        Pipeline pipeline = pipeline(orders, work, follow);
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30), () -> System.out.println(summary(pipeline))));
    }

    /** What a run did, from the pipeline's metrics. */
    static String summary(Pipeline pipeline) {
        return "read " + pipeline.metrics().node("orders").out() + " orders, skipped "
                + pipeline.metrics().node("parse").skipped() + " that did not parse, wrote "
                + pipeline.metrics().node("large-orders").in() + " large ones";
    }
}
