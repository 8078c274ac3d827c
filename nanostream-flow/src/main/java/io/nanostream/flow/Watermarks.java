package io.nanostream.flow;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The event-time clock of each input of a window step, and the watermark over them (see
 * {@link EventTime}). Owned by one step and used only under its lock: plain fields.
 */
final class Watermarks {

    /** The one input of a pipeline that tracks no delivery, whose items carry no source. */
    private static final Object WHOLE_STREAM = new Object();
    private static final long NANOS_PER_MILLI = 1_000_000;

    /** One partition of one source. */
    private record Input(Node source, Object partition) {
    }

    /** How often an input quiet for long enough, but whose source has items of it waiting, is looked at again. */
    private static final long RECHECK_NANOS = 100_000_000;

    /** What one input has shown: its largest event time, and when it last delivered. */
    private static final class Clock {
        long maxEventTime = Long.MIN_VALUE;
        long lastSeenNanos;

        Clock(long nowNanos) {
            this.lastSeenNanos = nowNanos;
        }
    }

    private final long maxOutOfOrder;
    private final long idleNanos;
    private final Map<Object, Clock> inputs = new HashMap<>();
    /** Per source: the partitions it had announced when last looked at, to see a change by identity. */
    private final Map<Node, Set<Object>> announced = new HashMap<>();
    private long watermark = Long.MIN_VALUE;
    private long maxEventTime = Long.MIN_VALUE;
    private long lastActivityNanos;

    Watermarks(EventTime<?> time) {
        this.maxOutOfOrder = time.maxOutOfOrderMillis;
        this.idleNanos = time.idleAfter.toNanos();
    }

    /** The watermark as last computed; {@code Long.MIN_VALUE} until known. */
    long watermark() {
        return watermark;
    }

    /** An item of {@code eventTime} arrived, derived from {@code lineage} (null if untracked). */
    void observe(Lineage lineage, long eventTime, long nowNanos) {
        if (lineage == null) {
            observe(WHOLE_STREAM, eventTime, nowNanos);
        } else if (lineage instanceof Lineage.Tracker) {
            observe((Lineage.Tracker) lineage, eventTime, nowNanos);
        } else {
            Map<Lineage.Tracker, Boolean> roots = new LinkedHashMap<>();
            lineage.collectRoots(roots);
            roots.keySet().forEach(root -> observe(root, eventTime, nowNanos));
        }
        maxEventTime = Math.max(maxEventTime, eventTime);
        lastActivityNanos = nowNanos;
    }

    private void observe(Lineage.Tracker root, long eventTime, long nowNanos) {
        Set<Object> partitions = root.source.partitions;
        if (partitions != null && announced.get(root.source) != partitions) {
            follow(root.source, partitions, nowNanos);
        }
        observe(new Input(root.source, root.partition), eventTime, nowNanos);
    }

    private void observe(Object input, long eventTime, long nowNanos) {
        Clock clock = inputs.computeIfAbsent(input, key -> new Clock(nowNanos));
        clock.maxEventTime = Math.max(clock.maxEventTime, eventTime);
        clock.lastSeenNanos = nowNanos;
    }

    /**
     * A source announced the partitions it reads now: one not heard from yet holds the watermark
     * back until it is idle; one no longer read stops holding it.
     */
    private void follow(Node source, Set<Object> partitions, long nowNanos) {
        announced.put(source, partitions);
        inputs.keySet().removeIf(key -> key instanceof Input && ((Input) key).source == source
                && !partitions.contains(((Input) key).partition));
        for (Object partition : partitions) {
            inputs.computeIfAbsent(new Input(source, partition), key -> new Clock(nowNanos));
        }
    }

    /**
     * Computes the watermark as of {@code nowNanos}: the least of the active inputs' largest event
     * times less the out-of-orderness; with every input idle, the largest event time seen less the
     * out-of-orderness, moved on by the time since the last item. It never moves back.
     */
    long advance(long nowNanos) {
        Node changed = null;
        for (Map.Entry<Node, Set<Object>> source : announced.entrySet()) {
            if (source.getKey().partitions != source.getValue()) {
                changed = source.getKey();
            }
        }
        if (changed != null) { // a revocation: stop waiting for what is no longer read
            follow(changed, changed.partitions, nowNanos);
        }
        long least = Long.MAX_VALUE;
        boolean anyActive = false;
        for (Map.Entry<Object, Clock> input : inputs.entrySet()) {
            Clock clock = input.getValue();
            if (!isIdle(input.getKey(), clock, nowNanos)) {
                anyActive = true;
                least = Math.min(least, minus(clock.maxEventTime, maxOutOfOrder));
            }
        }
        long candidate;
        if (anyActive) {
            candidate = least;
        } else if (maxEventTime == Long.MIN_VALUE) {
            candidate = Long.MIN_VALUE;
        } else {
            candidate = minus(maxEventTime, maxOutOfOrder) + (nowNanos - lastActivityNanos) / NANOS_PER_MILLI;
        }
        watermark = Math.max(watermark, candidate);
        return watermark;
    }

    /**
     * When, in scheduler nanoseconds, the watermark may next move with no item arriving: when the
     * next active input goes idle or, with all idle, when it reaches {@code target} (the first
     * window's closing moment, or {@code Long.MAX_VALUE} for none). {@code Long.MAX_VALUE} if
     * never.
     */
    long nextChange(long nowNanos, long target) {
        long next = Long.MAX_VALUE;
        for (Map.Entry<Object, Clock> input : inputs.entrySet()) {
            Clock clock = input.getValue();
            if (nowNanos - clock.lastSeenNanos < idleNanos) {
                next = Math.min(next, clock.lastSeenNanos + idleNanos);
            } else if (!isIdle(input.getKey(), clock, nowNanos)) {
                next = Math.min(next, nowNanos + RECHECK_NANOS); // quiet, but its source has items of it waiting
            }
        }
        if (next != Long.MAX_VALUE || target == Long.MAX_VALUE || maxEventTime == Long.MIN_VALUE) {
            return next;
        }
        long millis = target - minus(maxEventTime, maxOutOfOrder);
        if (millis > (Long.MAX_VALUE - lastActivityNanos) / NANOS_PER_MILLI) {
            return Long.MAX_VALUE;
        }
        return lastActivityNanos + Math.max(0, millis) * NANOS_PER_MILLI;
    }

    /**
     * Whether an input holds the watermark back no longer: it delivered nothing for the idle time,
     * and its source has nothing of it waiting (a partition behind others in a catch-up is not idle).
     */
    private boolean isIdle(Object key, Clock clock, long nowNanos) {
        if (nowNanos - clock.lastSeenNanos < idleNanos) {
            return false;
        }
        return !(key instanceof Input) || !((Input) key).source.hasWaiting(((Input) key).partition);
    }

    private static long minus(long eventTime, long bound) {
        return eventTime < Long.MIN_VALUE + bound ? Long.MIN_VALUE : eventTime - bound;
    }
}
