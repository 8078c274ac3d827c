/**
 * nanostream's core: steps, sources, sinks and pipelines on {@link java.util.concurrent.Flow},
 * with no dependency beyond the JDK.
 */
@SuppressWarnings("module") // the modules the internal package is exported to come later in the build
module io.nanostream.flow {
    requires java.management; // the pipeline's MBean
    requires jdk.httpserver; // the optional HTTP endpoint for health and metrics
    requires jdk.jfr; // its Flight Recorder events

    exports io.nanostream.flow;
    exports io.nanostream.flow.internal to io.nanostream.testkit, io.nanostream.kafka, io.nanostream.jdbc,
            io.nanostream.files;
}
