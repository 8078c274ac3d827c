package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractSource;

/**
 * A user's own source verified through {@link SourceVerification} alone, as its javadoc shows:
 * public API only.
 */
public class CountingSourceTckTest extends SourceVerification<Long> {

    /** Emits 0 .. count - 1, then returns. */
    static final class CountingSource extends AbstractSource<Long> {
        private final long count;

        CountingSource(long count) {
            this.count = count;
        }

        @Override
        protected void produce() {
            for (long i = 0; i < count && !isStopping(); i++) {
                emit(i);
            }
        }
    }

    @Override
    protected AbstractSource<Long> createSource(long elements) {
        return new CountingSource(elements);
    }
}
