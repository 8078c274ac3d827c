package io.nanostream.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        /**
         * Assigned after windows were closed, while the watermark has not come back to where they
         * were closed: its items are judged late by the watermark since the assignment, as a
         * pipeline started afresh on the partitions read now would judge them.
         */
        boolean catchingUp;

        Clock(long nowNanos, boolean catchingUp) {
            this.lastSeenNanos = nowNanos;
            this.catchingUp = catchingUp;
        }
    }

    private final long maxOutOfOrder;
    private final long idleNanos;
    private final Map<Object, Clock> inputs = new HashMap<>();
    /** Per source: its assignment when last looked at, to see a change by identity. */
    private final Map<Node, Assignment> announced = new HashMap<>();
    private long watermark = Long.MIN_VALUE;
    /** The highest watermark windows were closed at; the watermark itself moves back after an assignment. */
    private long closedUpTo = Long.MIN_VALUE;
    private long maxEventTime = Long.MIN_VALUE;
    private long lastActivityNanos;
    /** The watermark the item last observed is judged late against. */
    private long lateBound = Long.MIN_VALUE;

    Watermarks(EventTime<?> time) {
        this.maxOutOfOrder = time.maxOutOfOrderMillis;
        this.idleNanos = time.idleAfter.toNanos();
    }

    /**
     * What the item last {@linkplain #observe observed} is judged late against: the highest
     * watermark windows were closed at, or for an input assigned since and still catching up,
     * the watermark since the assignment (which moved back to wait for it).
     */
    long lateBound() {
        return lateBound;
    }

    /** An item of {@code eventTime} arrived, derived from {@code lineage} (null if untracked). */
    void observe(Lineage lineage, long eventTime, long nowNanos) {
        lateBound = Long.MAX_VALUE;
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
        if (root.source.assignment != null && !announced.containsKey(root.source)) {
            follow(root.source, nowNanos); // later changes are followed by followAssignments
        }
        observe(new Input(root.source, root.partition), eventTime, nowNanos);
    }

    private void observe(Object input, long eventTime, long nowNanos) {
        Clock clock = inputs.computeIfAbsent(input, key -> new Clock(nowNanos, false));
        if (clock.catchingUp && watermark >= closedUpTo) {
            clock.catchingUp = false; // the watermark is back where windows were closed
        }
        lateBound = Math.min(lateBound, clock.catchingUp ? watermark : closedUpTo);
        clock.maxEventTime = Math.max(clock.maxEventTime, eventTime);
        clock.lastSeenNanos = nowNanos;
    }

    /**
     * Follows the sources' assignments since the last look. A partition assigned anew holds the
     * watermark back until it delivers or is idle, and the watermark moves back for it, so that
     * the windows of its items close once they are whole; a partition revoked, or revoked and
     * assigned again, stops holding it, and what the step holds of it no longer counts.
     *
     * @return whether a partition this step had items or a clock of was revoked since the last
     *     look: the step then drops what it holds from revoked partitions
     */
    boolean followAssignments(long nowNanos) {
        List<Node> changed = null; // per item: no allocation unless something changed
        for (Map.Entry<Node, Assignment> source : announced.entrySet()) {
            if (source.getKey().assignment != source.getValue()) {
                changed = changed == null ? new ArrayList<>() : changed;
                changed.add(source.getKey());
            }
        }
        if (changed == null) {
            return false;
        }
        boolean revoked = false;
        boolean rewind = false;
        for (Node source : changed) {
            int before = inputs.size();
            boolean lost = follow(source, nowNanos);
            revoked |= lost;
            rewind |= lost || inputs.size() > before;
        }
        if (rewind && closedUpTo != Long.MIN_VALUE) {
            watermark = candidate(nowNanos); // the least of the inputs read now, a partition new to it included
        }
        return revoked;
    }

    /** Takes the source's current assignment; true if a partition of the last one was revoked. */
    private boolean follow(Node source, long nowNanos) {
        Assignment previous = announced.get(source);
        Assignment current = source.assignment;
        announced.put(source, current);
        boolean revoked = inputs.keySet().removeIf(key -> key instanceof Input && ((Input) key).source == source
                && (!current.partitions().contains(((Input) key).partition)
                        || previous != null && previous.epochOf(((Input) key).partition) != current.epochOf(((Input) key).partition)));
        for (Object partition : current.partitions()) {
            inputs.computeIfAbsent(new Input(source, partition), key -> new Clock(nowNanos, closedUpTo != Long.MIN_VALUE));
        }
        return revoked;
    }

    /**
     * Computes the watermark as of {@code nowNanos}: the least of the active inputs' largest event
     * times less the out-of-orderness; with every input idle, the largest event time seen less the
     * out-of-orderness, moved on by the time since the last item. It moves back only after an
     * assignment changed, to the least of the inputs read now.
     */
    long advance(long nowNanos) {
        watermark = Math.max(watermark, candidate(nowNanos));
        closedUpTo = Math.max(closedUpTo, watermark);
        return watermark;
    }

    private long candidate(long nowNanos) {
        long least = Long.MAX_VALUE;
        boolean anyActive = false;
        for (Map.Entry<Object, Clock> input : inputs.entrySet()) {
            Clock clock = input.getValue();
            if (!isIdle(input.getKey(), clock, nowNanos)) {
                anyActive = true;
                least = Math.min(least, minus(clock.maxEventTime, maxOutOfOrder));
            }
        }
        if (anyActive) {
            return least;
        }
        if (maxEventTime == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        return minus(maxEventTime, maxOutOfOrder) + (nowNanos - lastActivityNanos) / NANOS_PER_MILLI;
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
