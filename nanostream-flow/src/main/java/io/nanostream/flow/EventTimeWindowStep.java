package io.nanostream.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collector;

/**
 * {@link Steps#window(Function, EventTime, Window, Collector)}: keyed tumbling, hopping or session
 * windows of event time. Each window folds its items into an accumulator of the collector and
 * holds them (for delivery tracking) until the watermark passes its end plus the allowed
 * lateness; then it is emitted, once. Windows close in the order of their ends, so the output is
 * the same for the same input, whatever the timing.
 */
final class EventTimeWindowStep<T, K, A, R> extends AbstractStep<T, Windowed<K, R>> {

    private final Function<? super T, ? extends K> keyFunction;
    private final EventTime<? super T> time;
    private final Window window;
    private final Collector<? super T, A, ? extends R> collector;
    private final Watermarks watermarks;
    /** Tumbling and hopping windows, by key and start. */
    private final Map<Slot<K>, Open> byStart = new HashMap<>();
    /** Session windows, per key by start; a key's sessions never overlap. */
    private final Map<K, TreeMap<Long, Open>> sessions = new HashMap<>();
    /** Every open window by the watermark that closes it (its end plus the lateness), in opening order. */
    private final TreeMap<Long, LinkedHashSet<Open>> closing = new TreeMap<>();
    private int openCount;
    private Scheduler.Task timer;

    EventTimeWindowStep(Function<? super T, ? extends K> keyFunction, EventTime<? super T> time, Window window,
            Collector<? super T, A, ? extends R> collector) {
        super("window", DEFAULT_BUFFER_SIZE);
        this.keyFunction = Checks.notNull(keyFunction, "keyFunction");
        this.time = Checks.notNull(time, "time");
        this.window = Checks.notNull(window, "window");
        this.collector = Checks.notNull(collector, "collector");
        if (window.isByCount()) {
            throw new IllegalArgumentException(window + " counts items and has no time: use Steps.window(key, window,"
                    + " collector) for it, or an event-time window such as Window.ofTime(...)");
        }
        this.watermarks = new Watermarks(time);
    }

    @Override
    protected void process(T item) {
        long now = scheduler().nanoTime();
        followAssignments(now);
        Lineage lineage = currentLineage();
        if (lineage != null && lineage.anyRoot(Lineage.Tracker::isRevoked)) {
            holdInput().fail(revoked()); // read before its partition was revoked: it is read again
            return;
        }
        long eventTime = time.timestamp.applyAsLong(item);
        watermarks.observe(lineage, eventTime, now);
        K key = keyFunction.apply(item);
        if (window.gap != null) {
            addToSession(key, item, eventTime);
        } else {
            addToWindows(key, item, eventTime);
        }
        closeUpTo(watermarks.advance(now));
        armTimer(now);
    }

    /**
     * Emits every open window at the end of input. On a {@link Pipeline#stop()} of a pipeline that
     * tracks delivery, though, an open window is not complete: its inputs are failed back to
     * their sources instead, so that a source that reads them again after a restart (Kafka)
     * computes the window whole, and a result written once is never a part.
     */
    @Override
    protected void onEndOfInput() {
        if (timer != null) {
            timer.cancel();
        }
        followAssignments(scheduler().nanoTime());
        Pipeline pipeline = node.pipeline();
        if (pipeline != null && pipeline.state() == Pipeline.State.STOPPING && holdsTrackedInputs()) {
            CancellationException stopped = new CancellationException(node.label() + " stopped with this item's window"
                    + " open: it is not acknowledged, so that the window is computed whole when it is read again");
            for (LinkedHashSet<Open> due : closing.values()) {
                due.forEach(open -> open.inputs.forEach(input -> input.fail(stopped)));
            }
            closing.clear();
            return;
        }
        closeUpTo(Long.MAX_VALUE);
    }

    private boolean holdsTrackedInputs() {
        for (LinkedHashSet<Open> due : closing.values()) {
            for (Open open : due) {
                if (!open.inputs.isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    private void addToWindows(K key, T item, long eventTime) {
        long length = window.length.toMillis();
        long advance = window.advance.toMillis();
        long first = Math.floorDiv(eventTime, advance) * advance;
        while (first - advance > eventTime - length) {
            first -= advance;
        }
        rejectIfLate(eventTime, first + length);
        long windows = (eventTime - first) / advance + 1;
        if (!window.emitEarly && openCount + windows > window.maxKeys) { // refuse it before it is added anywhere
            int missing = 0;
            for (long start = first; start <= eventTime; start += advance) {
                missing += byStart.containsKey(new Slot<>(key, start)) ? 0 : 1;
            }
            if (missing > 0 && openCount + missing > window.maxKeys) {
                throw full(key);
            }
        }
        for (long start = first; start <= eventTime; start += advance) {
            Slot<K> slot = new Slot<>(key, start);
            Open open = byStart.get(slot);
            if (open == null) {
                open = opened(key, start, start + length);
                byStart.put(slot, open);
            }
            open.add(item);
        }
    }

    private void addToSession(K key, T item, long eventTime) {
        long gap = window.gap.toMillis();
        List<Open> touching = new ArrayList<>();
        TreeMap<Long, Open> existing = sessions.get(key);
        if (existing != null) {
            for (Open open : existing.headMap(eventTime + gap, false).descendingMap().values()) {
                if (open.end <= eventTime) {
                    break; // sessions end in start order: none before this one reaches the item
                }
                touching.add(open);
            }
        }
        if (touching.isEmpty()) {
            rejectIfLate(eventTime, eventTime + gap);
            Open open = opened(key, eventTime, eventTime + gap); // may close this key's other sessions early
            sessions.computeIfAbsent(key, k -> new TreeMap<>()).put(eventTime, open);
            open.add(item);
            return;
        }
        TreeMap<Long, Open> keySessions = existing;
        Open merged = touching.get(touching.size() - 1); // the earliest
        unindex(merged);
        keySessions.remove(merged.start);
        for (int i = touching.size() - 2; i >= 0; i--) { // in start order, for collectors that keep order
            Open other = touching.get(i);
            unindex(other);
            keySessions.remove(other.start);
            openCount--;
            merged.absorb(other);
        }
        merged.start = Math.min(merged.start, eventTime);
        merged.end = Math.max(merged.end, eventTime + gap);
        merged.add(item);
        keySessions.put(merged.start, merged);
        index(merged);
    }

    private void rejectIfLate(long eventTime, long firstEnd) {
        long watermark = watermarks.lateBound();
        if (firstEnd + time.allowedLatenessMillis <= watermark) {
            throw new LateEventException(node.label(), eventTime, firstEnd, watermark, time.allowedLatenessMillis);
        }
    }

    private Open opened(K key, long start, long end) {
        makeRoom(key);
        Open open = new Open(key, start, end);
        index(open);
        openCount++;
        return open;
    }

    private void makeRoom(K key) {
        if (openCount < window.maxKeys) {
            return;
        }
        if (!window.emitEarly) {
            throw full(key);
        }
        Map.Entry<Long, LinkedHashSet<Open>> first = closing.firstEntry();
        close(first.getValue().iterator().next());
    }

    private IllegalStateException full(K key) {
        return new IllegalStateException(node.label() + " cannot open a window for key \"" + Checks.describe(key)
                + "\": " + openCount + " windows are open, the most its " + window + " allows; raise it with"
                + " Window.maxKeys(...), or let it emit the window that closes first early with"
                + " Window.emitEarlyWhenFull()");
    }

    private void closeUpTo(long watermark) {
        for (Map.Entry<Long, LinkedHashSet<Open>> due = closing.firstEntry(); due != null && due.getKey() <= watermark;
                due = closing.firstEntry()) {
            for (Open open : new ArrayList<>(due.getValue())) {
                close(open);
            }
        }
    }

    private void close(Open open) {
        forget(open);
        R value = collector.finisher().apply(open.accumulator);
        emit(new Windowed<>(open.key, value, Instant.ofEpochMilli(open.start), Instant.ofEpochMilli(open.end),
                open.count), open.inputs);
        open.inputs.forEach(Held::release);
    }

    /** Takes an open window out of every index. */
    private void forget(Open open) {
        unindex(open);
        openCount--;
        if (window.gap != null) {
            NavigableMap<Long, Open> keySessions = sessions.get(open.key);
            keySessions.remove(open.start);
            if (keySessions.isEmpty()) {
                sessions.remove(open.key);
            }
        } else {
            byStart.remove(new Slot<>(open.key, open.start));
        }
    }

    /**
     * Follows the sources' assignments. After a revocation the open windows holding items of a
     * revoked partition are dropped and those items failed back: the partition's next reader (this
     * pipeline again, or another instance) reads them again from the last commit and computes
     * those windows whole, so what is written first for a window is never a part of it. A window
     * that also holds items of a partition still read cannot be whole anywhere: its keys are
     * spread over partitions assigned apart, and the pipeline fails, saying so.
     */
    private void followAssignments(long now) {
        if (!watermarks.followAssignments(now)) {
            return;
        }
        List<Open> dropped = new ArrayList<>();
        for (LinkedHashSet<Open> due : closing.values()) {
            for (Open open : due) {
                if (open.holds(Lineage.Tracker::isRevoked)) {
                    dropped.add(open);
                }
            }
        }
        for (Open open : dropped) {
            forget(open);
            boolean mixed = open.holds(root -> !root.isRevoked());
            open.inputs.forEach(input -> input.fail(revoked()));
            if (mixed) {
                node.report(new PipelineException(node.name, node.label() + " held the window of key \""
                        + Checks.describe(open.key) + "\" from " + Instant.ofEpochMilli(open.start) + " with items of a"
                        + " revoked partition and of one still read: no instance can compute it whole. A key's items"
                        + " must come from partitions assigned together: key the topics alike, with as many"
                        + " partitions each, and use an assignor that keeps equal partition numbers together"
                        + " (Kafka's RangeAssignor, the classic protocol's default)", null));
            }
        }
    }

    private CancellationException revoked() {
        return new CancellationException(node.label() + " dropped this item: its partition was revoked, and its"
                + " next reader computes its windows whole");
    }

    private void index(Open open) {
        closing.computeIfAbsent(open.end + time.allowedLatenessMillis, at -> new LinkedHashSet<>()).add(open);
    }

    private void unindex(Open open) {
        long at = open.end + time.allowedLatenessMillis;
        LinkedHashSet<Open> due = closing.get(at);
        due.remove(open);
        if (due.isEmpty()) {
            closing.remove(at);
        }
    }

    /** Schedules a look at the watermark for when it can move without items, unless one is due. */
    private void armTimer(long now) {
        if (timer != null) {
            return;
        }
        long due = watermarks.nextChange(now, closing.isEmpty() ? Long.MAX_VALUE : closing.firstKey());
        if (due != Long.MAX_VALUE) {
            timer = schedule(Duration.ofNanos(Math.max(0, due - now)), () -> {
                timer = null;
                long at = scheduler().nanoTime();
                followAssignments(at);
                closeUpTo(watermarks.advance(at));
                armTimer(at);
            });
        }
    }

    private record Slot<K>(K key, long start) {
    }

    /** One open window of one key. */
    private final class Open {
        final K key;
        long start;
        long end;
        A accumulator = collector.supplier().get();
        final List<Held> inputs = new ArrayList<>();
        long count;

        Open(K key, long start, long end) {
            this.key = key;
            this.start = start;
            this.end = end;
        }

        void add(T item) {
            collector.accumulator().accept(accumulator, item);
            count++;
            Held input = holdInput();
            if (input != HeldInput.UNTRACKED) { // untracked, a window need not remember its items
                inputs.add(input);
            }
        }

        /** Whether an item this window holds was read from a partition that passes {@code test}. */
        boolean holds(Predicate<Lineage.Tracker> test) {
            for (Held input : inputs) {
                Lineage lineage = HeldInput.lineageOf(input);
                if (lineage != null && lineage.anyRoot(test)) {
                    return true;
                }
            }
            return false;
        }

        /** Takes in a later session of the same key that an item joined to this one. */
        void absorb(Open later) {
            accumulator = collector.combiner().apply(accumulator, later.accumulator);
            count += later.count;
            inputs.addAll(later.inputs);
            end = Math.max(end, later.end);
        }
    }
}
