package io.nanostream.flow;

/**
 * What one source, step or sink of a pipeline has done, from {@link Pipeline#metrics()}: counts
 * since the pipeline started, and its input buffer as it is now.
 *
 * <pre>{@code
 * NodeMetrics parse = pipeline.metrics().node("parse");
 * System.out.printf("parse: %d in, %d out, %d dead-lettered, %d/%d buffered%n",
 *         parse.in(), parse.out(), parse.deadLettered(), parse.queued(), parse.capacity());
 * }</pre>
 *
 * @param name the node's name
 * @param kind source, step or sink
 * @param in items it took: handed to a step's {@code process} or a sink's {@code consume}, which
 *     returned; for a source, what it read: emitted or rejected
 * @param out items it emitted; zero for a sink
 * @param errors how often its code threw on an item, each failed attempt counted
 * @param retried how many of those failures its error policy retried
 * @param skipped items its error policy skipped
 * @param deadLettered items its error policy sent to the dead letters
 * @param queued items waiting in the buffers in front of it now: emitted to it and not yet
 *     handled (a fused step's input counts the item it is handling)
 * @param capacity how many items those buffers hold at most; zero for a source, and for a step
 *     fed only through fused calls
 * @param backlog for a source that knows it, how many items wait outside the pipeline to be
 *     read, such as a Kafka consumer's lag; else -1
 * @param alreadyProcessed for a source, the items it read again (after a restart or a
 *     rebalance) and did not emit, knowing them processed already: a Kafka source's records that
 *     its partition's last commit recorded as processed; else 0
 * @param busy the time its code spent on items since the pipeline's metrics were first taken
 *     (timing starts then, so that an unwatched pipeline pays nothing for it), estimated from one
 *     item in 16; a step that runs fused with its subscriber (see {@link Steps}) counts the
 *     subscriber's time too; zero for a source
 * @param callsInFlight for a step that calls out per item in key order ({@link Steps#mapAsyncByKey},
 *     {@link Steps#mapBlockingByKey}), its calls under way now; else -1
 * @param keysWaiting for such a step, the keys whose next item waits for a free call now (above
 *     zero, more calls at once would go faster); else -1
 * @param oldestCall for such a step, how long its oldest call under way has been going, on the
 *     pipeline's scheduler (a call that hangs shows here long before its timeout); else zero
 */
public record NodeMetrics(String name, Kind kind, long in, long out, long errors, long retried, long skipped,
        long deadLettered, long queued, long capacity, long backlog, long alreadyProcessed, java.time.Duration busy,
        long callsInFlight, long keysWaiting, java.time.Duration oldestCall) {

    /** What part a node plays in its pipeline. */
    public enum Kind {
        /** Emits items into the pipeline. */
        SOURCE,
        /** Takes items and emits items. */
        STEP,
        /** Takes items and ends a path. */
        SINK
    }
}
