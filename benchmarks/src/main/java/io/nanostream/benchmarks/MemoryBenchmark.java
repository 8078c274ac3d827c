package io.nanostream.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 4: memory under back-pressure. A source that makes 1 KB items as fast as it can
 * (10 M of them, 10 GB if anything buffered without bound) feeds map, filter, map and a sink that
 * spends 10 µs on each item, about 100 times what the source spends. Reports the peak of the
 * heap in use after each garbage collection during the run, above the same figure taken idle
 * before the run: what the pipeline holds, not the garbage it has not collected yet.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class MemoryBenchmark {

    static final int ITEMS = 10_000_000;
    static final long SINK_NANOS_PER_ITEM = 10_000;

    /** The figures JMH reports next to the throughput. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Heap {
        /** Peak heap in use after a collection during the run, above idle, in MB. */
        public double peakAboveIdleMb;

        @Setup(Level.Iteration)
        public void reset() {
            peakAboveIdleMb = 0;
        }
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void slowSink(Heap heap) throws Exception {
        heap.peakAboveIdleMb = Math.max(heap.peakAboveIdleMb, run(ITEMS, SINK_NANOS_PER_ITEM) / 1e6);
    }

    /** Makes 1 KB items. */
    static final class Payloads extends AbstractSource<byte[]> {
        private final long items;

        Payloads(long items) {
            super("payloads", 256);
            this.items = items;
        }

        @Override
        protected void produce() {
            for (long i = 0; i < items; i++) {
                byte[] payload = new byte[1024];
                payload[0] = (byte) i;
                emit(payload);
            }
        }
    }

    /** Spends a fixed time on each item, busy, as a slow database or service would. */
    static final class SlowSink extends AbstractSink<byte[]> {
        final AtomicLong taken = new AtomicLong();
        private final long nanosPerItem;

        SlowSink(long nanosPerItem) {
            super("slow", 256);
            this.nanosPerItem = nanosPerItem;
        }

        @Override
        protected void consume(byte[] item) {
            long until = System.nanoTime() + nanosPerItem;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            taken.lazySet(taken.get() + 1);
        }
    }

    /**
     * Runs the pipeline to the end; returns the peak heap in use after a collection during the
     * run, above the heap in use after a collection just before it, in bytes.
     */
    static long run(long items, long sinkNanosPerItem) throws Exception {
        long idle = usedAfterFullCollection();
        try (var peak = new PeakAfterCollections()) {
            var source = new Payloads(items);
            AbstractStep<byte[], byte[]> touch = Steps.map(payload -> {
                payload[1] = payload[0];
                return payload;
            });
            AbstractStep<byte[], byte[]> keepAll = Steps.filter(payload -> payload.length > 0);
            AbstractStep<byte[], byte[]> touchAgain = Steps.map(payload -> {
                payload[2] = payload[1];
                return payload;
            });
            var sink = new SlowSink(sinkNanosPerItem);
            Chain.wire(source, sink, touch, keepAll, touchAgain);
            Chain.runToEnd(Pipeline.from(source), Duration.ofHours(1));
            if (sink.taken.get() != items) {
                throw new IllegalStateException("the sink took " + sink.taken.get() + " of " + items);
            }
            return Math.max(0, peak.bytes() - idle);
        }
    }

    private static long usedAfterFullCollection() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Listens to the collectors while open; keeps the largest heap in use after a collection. */
    static final class PeakAfterCollections implements NotificationListener, AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final Set<String> heapPools = new HashSet<>();

        PeakAfterCollections() {
            for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPools.add(pool.getName());
                }
            }
            for (var collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (collector instanceof NotificationEmitter) {
                    NotificationEmitter emitter = (NotificationEmitter) collector;
                    emitter.addNotificationListener(this, null, null);
                    emitters.add(emitter);
                }
            }
        }

        @Override
        public void handleNotification(Notification notification, Object handback) {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                return;
            }
            var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (heapPools.contains(pool.getKey())) {
                    used += pool.getValue().getUsed();
                }
            }
            peak.accumulateAndGet(used, Math::max);
        }

        long bytes() {
            return peak.get();
        }

        @Override
        public void close() throws ListenerNotFoundException {
            for (NotificationEmitter emitter : emitters) {
                emitter.removeNotificationListener(this);
            }
        }
    }
}
