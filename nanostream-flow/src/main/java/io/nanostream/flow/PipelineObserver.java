package io.nanostream.flow;

/**
 * Watches a pipeline from its start to its end without taking part in it: its MBean, its Flight
 * Recorder metrics, a progress reporter. Every observer is attached the same way, and told of the
 * start and the end in the order it was attached.
 */
interface PipelineObserver {

    /** The pipeline started, or had started when this observer was attached. */
    void started();

    /** The pipeline ended: completed or failed. Called at most once, after {@link #started}. */
    void ended();
}
