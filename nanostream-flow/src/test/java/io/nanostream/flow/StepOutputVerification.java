package io.nanostream.flow;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowPublisherVerification;

/**
 * The TCK's publisher verification for a built-in step that is no identity (its output has
 * another type): the step is fed by a source of as many items as the TCK wants, and made to emit
 * one output per item by its parameters; each {@code XxxStepTckTest} names the step.
 *
 * @param <O> the type of the step's output
 */
abstract class StepOutputVerification<O> extends FlowPublisherVerification<O> {

    StepOutputVerification() {
        super(TckSupport.environment(), TckSupport.GC_TIMEOUT_MILLIS);
    }

    /** A new step that emits one output per input item. */
    abstract AbstractStep<Long, O> oneToOneStep();

    @Override
    public Flow.Publisher<O> createFlowPublisher(long elements) {
        return fedBy(new AbstractSource<Long>("counting", 16) {
            @Override
            protected void produce() {
                for (long i = 0; i < elements && !isStopping(); i++) {
                    emit(i);
                }
            }
        });
    }

    @Override
    public Flow.Publisher<O> createFailedFlowPublisher() {
        return fedBy(new AbstractSource<Long>("failing", 16) {
            @Override
            protected void produce() {
                throw new IllegalStateException("fails on purpose");
            }
        });
    }

    private Flow.Publisher<O> fedBy(AbstractSource<Long> source) {
        AbstractStep<Long, O> step = oneToOneStep();
        source.subscribe(step);
        Standalone.start(step);
        Standalone.start(source);
        return step;
    }
}
