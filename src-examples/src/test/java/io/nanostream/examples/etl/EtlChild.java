package io.nanostream.examples.etl;

import io.nanostream.flow.NodeMetrics;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineMetrics;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The ETL pipeline in a JVM of its own, which {@link EtlCrashTest} kills. Every 50 ms it prints a
 * line of what it did so far, so that a killed child's last line tells it too:
 * {@code done <skipped as processed> <windows to the database> <windows to the topic>}.
 */
public final class EtlChild {

    private EtlChild() {
    }

    /**
     * Runs the ETL until killed. Arguments: bootstrap servers, JDBC URL, group, static member id,
     * then the orders, payments, shipments, totals and dead-letter topics.
     *
     * @param args the arguments
     * @throws Exception if the pipeline fails
     */
    public static void main(String[] args) throws Exception {
        EtlPipeline.Topics topics = new EtlPipeline.Topics(args[4], args[5], args[6], args[7], args[8]);
        EtlPipeline.Settings settings = new EtlPipeline.Settings(args[0], args[1], topics, EtlCrashTest.WINDOW,
                Duration.ofSeconds(2), args[2], args[3]);
        try (Pipeline pipeline = EtlPipeline.build(settings)) {
            pipeline.reportProgress(Duration.ofSeconds(1), System.out::println);
            pipeline.start();
            System.out.println("running");
            while (true) {
                PipelineMetrics metrics = pipeline.metrics();
                NodeMetrics source = metrics.node(EtlPipeline.SOURCE);
                System.out.println("done " + source.alreadyProcessed() + " " + metrics.node(EtlPipeline.DATABASE).in()
                        + " " + metrics.node("output-topic").in());
                try {
                    pipeline.await(Duration.ofMillis(50));
                    return;
                } catch (TimeoutException stillRunning) {
                    // the next line
                }
            }
        }
    }
}
