package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AbstractSourceTest {

    /** Emits 0, 1, 2, ... until stopped, counting what emit accepted. */
    static final class Counter extends AbstractSource<Integer> {
        final AtomicInteger accepted = new AtomicInteger();
        final CountDownLatch running = new CountDownLatch(100);

        Counter() {
            super("counter", 16);
        }

        @Override
        protected void produce() {
            for (int i = 0; ; i++) {
                emit(i);
                accepted.incrementAndGet();
                running.countDown();
            }
        }
    }

    @Test
    void emitsWhatProduceEmitsThenCompletes() throws Exception {
        var source = new TestNodes.ListSource<>(range(5000), 32);
        var sink = new RecordingSink<Integer>();
        source.subscribe(sink);

        run(source);

        assertEquals(range(5000), sink.items);
        assertEquals(List.of("start", "end"), sink.events);
    }

    @Test
    void throwingProduceFailsThePipelineNamingTheSource() {
        var source = new AbstractSource<String>("lines", 8) {
            @Override
            protected void produce() throws Exception {
                throw new java.io.IOException("file not found: orders.csv");
            }
        };
        var sink = new RecordingSink<String>();
        source.subscribe(sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertEquals("source 'lines' failed: java.io.IOException: file not found: orders.csv", failure.getMessage());
        assertEquals("lines", failure.nodeName());
    }

    @Test
    void onStartRunsOnceOnTheProducingThreadBeforeProduceAndAfterEndAfterIt() throws Exception {
        var calls = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var source = new AbstractSource<String>("file", 8) {
            @Override
            protected void onStart() {
                calls.add("onStart on " + Thread.currentThread().getName());
            }

            @Override
            protected void produce() {
                calls.add("produce on " + Thread.currentThread().getName());
                emit("line");
            }

            @Override
            protected void afterEnd() {
                calls.add("afterEnd");
            }
        };
        var sink = new RecordingSink<String>();
        source.subscribe(sink);

        run(source);

        assertEquals(3, calls.size(), calls::toString);
        String thread = calls.get(0).substring("onStart on ".length());
        assertEquals(List.of("onStart on " + thread, "produce on " + thread, "afterEnd"), calls);
        assertEquals(List.of("line"), sink.items);
    }

    @Test
    void aFailingOnStartFailsThePipelineAndProduceNeverRuns() {
        var produced = new AtomicInteger();
        var source = new AbstractSource<String>("file", 8) {
            @Override
            protected void onStart() throws Exception {
                throw new java.io.FileNotFoundException("orders.csv");
            }

            @Override
            protected void produce() {
                produced.incrementAndGet();
            }
        };
        source.subscribe(new RecordingSink<>());

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertEquals("source 'file' failed: java.io.FileNotFoundException: orders.csv", failure.getMessage());
        assertEquals(0, produced.get());
    }

    @Test
    void gracefulStopOfAnInfiniteSourceDeliversEverythingEmitted() throws Exception {
        var source = new Counter();
        var sink = new RecordingSink<Integer>();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertTrue(source.running.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            pipeline.stop();
            assertEquals(Pipeline.State.STOPPING, pipeline.state());
            pipeline.await(TIMEOUT);
            assertEquals(Pipeline.State.COMPLETED, pipeline.state());
        }

        assertEquals(range(source.accepted.get()), sink.items, "every accepted item arrived, in order");
        assertEquals(List.of("start", "end"), sink.events);
    }

    @Test
    void stopInterruptsAProduceLoopBlockedOnItsOwnInput() throws Exception {
        var input = new LinkedBlockingQueue<String>();
        var source = new AbstractSource<String>("queue", 8) {
            @Override
            protected void produce() throws InterruptedException {
                while (!isStopping()) {
                    emit(input.take());
                }
            }
        };
        var sink = new RecordingSink<String>();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            input.add("only");
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }

        assertTrue(sink.items.size() <= 1);
        assertEquals("end", sink.events.get(sink.events.size() - 1));
    }

    @Test
    void emitAfterStopThrowsCancellation() throws Exception {
        var afterStop = new java.util.concurrent.CompletableFuture<Throwable>();
        var emitting = new CountDownLatch(1);
        var source = new AbstractSource<Integer>("stubborn", 8) {
            @Override
            protected void produce() {
                emit(1);
                emitting.countDown();
                while (!isStopping()) {
                    Thread.onSpinWait(); // a loop that ignores interrupts
                }
                try {
                    emit(2);
                    afterStop.complete(null);
                } catch (RuntimeException e) {
                    afterStop.complete(e);
                    throw e;
                }
            }
        };
        var sink = new RecordingSink<Integer>();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertTrue(emitting.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }

        assertTrue(afterStop.get(1, TimeUnit.SECONDS) instanceof java.util.concurrent.CancellationException);
        assertFalse(sink.items.contains(2));
    }
}
