package io.nanostream.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collector;

/**
 * {@link Steps#window}: keyed tumbling windows, by time or by count. Each key's items are folded
 * into an accumulator of the collector and held (for delivery tracking) until the key's window
 * is emitted.
 */
final class WindowStep<T, K, A, R> extends AbstractStep<T, Windowed<K, R>> {

    private final Function<? super T, ? extends K> keyFunction;
    private final Window window;
    private final Collector<? super T, A, ? extends R> collector;
    /** Open windows, oldest key first. */
    private final Map<K, Open> open = new LinkedHashMap<>();
    /** For time windows: the end of the window now open, in scheduler time; null if none. */
    private Instant windowEnd;
    private Scheduler.Task timer;

    WindowStep(Function<? super T, ? extends K> keyFunction, Window window,
            Collector<? super T, A, ? extends R> collector) {
        super("window", DEFAULT_BUFFER_SIZE);
        this.keyFunction = Checks.notNull(keyFunction, "keyFunction");
        this.window = Checks.notNull(window, "window");
        this.collector = Checks.notNull(collector, "collector");
        if (window.gap != null || (window.length != null && !window.advance.equals(window.length))) {
            throw new IllegalArgumentException(window + " needs event time: use Steps.window(key, EventTime.of(...),"
                    + " window, collector)");
        }
    }

    @Override
    protected void process(T item) {
        Instant now = scheduler().now();
        if (window.length != null) {
            if (windowEnd != null && !now.isBefore(windowEnd)) {
                closeTimeWindow(); // its timer has not run yet
            }
            if (windowEnd == null) {
                openTimeWindow(now);
            }
        }
        K key = keyFunction.apply(item);
        Open state = open.get(key);
        if (state == null) {
            makeRoomFor(key);
            state = new Open(window.length != null ? windowEnd.minus(window.length) : now);
            open.put(key, state);
        }
        collector.accumulator().accept(state.accumulator, item);
        state.count++;
        Held input = holdInput();
        if (input != HeldInput.UNTRACKED) { // untracked, a window need not remember its items
            state.inputs.add(input);
        }
        if (window.length == null && state.count == window.size) {
            open.remove(key);
            emit(key, state, now);
        }
    }

    @Override
    protected void onEndOfInput() {
        Instant now = scheduler().now();
        if (window.length != null && windowEnd != null) {
            timer.cancel();
            now = windowEnd.isBefore(now) ? windowEnd : now;
        }
        emitAll(now);
    }

    private void openTimeWindow(Instant now) {
        long lengthNanos = window.length.toNanos();
        long sinceEpoch = Duration.between(Instant.EPOCH, now).toNanos();
        Instant start = Instant.EPOCH.plusNanos(sinceEpoch - Math.floorMod(sinceEpoch, lengthNanos));
        windowEnd = start.plus(window.length);
        Instant end = windowEnd;
        timer = schedule(Duration.between(now, end), () -> {
            if (end.equals(windowEnd)) {
                closeTimeWindow();
            }
        });
    }

    private void closeTimeWindow() {
        timer.cancel();
        Instant end = windowEnd;
        windowEnd = null;
        emitAll(end);
    }

    private void makeRoomFor(K key) {
        if (open.size() < window.maxKeys) {
            return;
        }
        if (!window.emitEarly) {
            throw new IllegalStateException(node.label() + " cannot open a window for key \"" + Checks.describe(key)
                    + "\": " + open.size() + " keys are open, the most its " + window + " allows; raise it with"
                    + " Window.maxKeys(...), or let it emit the oldest key early with Window.emitEarlyWhenFull()");
        }
        Iterator<Map.Entry<K, Open>> oldest = open.entrySet().iterator();
        Map.Entry<K, Open> entry = oldest.next();
        oldest.remove();
        emit(entry.getKey(), entry.getValue(), scheduler().now());
    }

    private void emitAll(Instant end) {
        List<Map.Entry<K, Open>> closing = new ArrayList<>(open.entrySet());
        open.clear();
        for (Map.Entry<K, Open> entry : closing) {
            emit(entry.getKey(), entry.getValue(), end);
        }
    }

    private void emit(K key, Open state, Instant end) {
        R value = collector.finisher().apply(state.accumulator);
        emit(new Windowed<>(key, value, state.start, end, state.count), state.inputs);
        state.inputs.forEach(Held::release);
    }

    /** One key's open window. */
    private final class Open {
        final Instant start;
        final A accumulator = collector.supplier().get();
        final List<Held> inputs = new ArrayList<>();
        long count;

        Open(Instant start) {
            this.start = start;
        }
    }
}
