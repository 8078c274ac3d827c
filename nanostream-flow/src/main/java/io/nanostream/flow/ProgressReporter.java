package io.nanostream.flow;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** Hands a line of progress to a consumer every interval, on the pipeline's scheduler. */
final class ProgressReporter implements PipelineObserver {

    private final Pipeline pipeline;
    private final Duration interval;
    private final Consumer<? super String> out;
    private final AtomicBoolean started = new AtomicBoolean();
    private PipelineMetrics previous;
    private Scheduler.Task next;
    private boolean finished;

    ProgressReporter(Pipeline pipeline, Duration interval, Consumer<? super String> out) {
        this.pipeline = pipeline;
        this.interval = interval;
        this.out = out;
    }

    @Override
    public void started() {
        if (started.compareAndSet(false, true)) {
            synchronized (this) {
                previous = pipeline.metrics();
                next = pipeline.scheduler().schedule(interval, this::tick);
            }
        }
    }

    private synchronized void tick() {
        if (finished) {
            return;
        }
        report();
        next = pipeline.scheduler().schedule(interval, this::tick);
    }

    /** The pipeline ended: the last line, at once. */
    @Override
    public synchronized void ended() {
        if (finished || !started.get()) {
            return;
        }
        finished = true;
        if (next != null) {
            next.cancel();
        }
        report();
    }

    private void report() {
        PipelineMetrics now = pipeline.metrics();
        out.accept(now.progressSince(previous));
        previous = now;
    }
}
