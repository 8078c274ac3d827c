package io.nanostream.flow;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A service for {@link RunUntilShutdownTest}, run in a child JVM: a source counts up until it is
 * stopped, into a sink that takes 50 µs per item, so items wait in the buffers when a signal
 * comes; it prints "running" once 1 000 items were emitted, and each prints how many it saw at
 * its end; what runs afterwards prints the pipeline's state. {@code main} exits with what
 * {@link Pipeline#runUntilShutdown} returns.
 */
final class CountingService {

    private CountingService() {
    }

    public static void main(String[] args) throws InterruptedException {
        var source = new AbstractSource<Long>() {
            private long emitted;

            @Override
            protected void produce() {
                while (!isStopping()) {
                    emit(emitted++);
                    if (emitted == 1_000) { // items flow, and wait in the buffers
                        System.out.println("running");
                        System.out.flush();
                    }
                }
            }

            @Override
            protected void afterEnd() {
                System.out.println("emitted " + emitted);
            }
        };
        var sink = new AbstractSink<Long>() {
            private long consumed;

            @Override
            protected void consume(Long item) {
                LockSupport.parkNanos(50_000); // work that takes time, so that items wait for it
                consumed++;
            }

            @Override
            protected void onEndOfInput() {
                System.out.println("consumed " + consumed);
            }
        };
        source.subscribe(sink);
        Pipeline pipeline = Pipeline.from(source).named("counting");
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(20), () -> System.out.println("afterwards "
                + pipeline.state())));
    }
}
