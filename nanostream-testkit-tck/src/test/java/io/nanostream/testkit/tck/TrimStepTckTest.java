package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractStep;

/**
 * A user's own step verified through {@link StepVerification} alone, as its javadoc shows: public
 * API only.
 */
public class TrimStepTckTest extends StepVerification<String> {

    /** Trims each line: an identity for lines without surrounding blanks. */
    static final class TrimStep extends AbstractStep<String, String> {
        TrimStep(int bufferSize) {
            super(bufferSize);
        }

        @Override
        protected void process(String line) {
            emit(line.trim());
        }
    }

    @Override
    protected AbstractStep<String, String> createStep(int bufferSize) {
        return new TrimStep(bufferSize);
    }

    @Override
    public String createElement(int element) {
        return String.valueOf(element);
    }
}
