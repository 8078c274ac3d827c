/**
 * nanostream's core: steps, sources, sinks and pipelines on {@link java.util.concurrent.Flow},
 * with no dependency beyond the JDK.
 */
module io.nanostream.flow {
    exports io.nanostream.flow;
}
