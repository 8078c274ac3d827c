package io.nanostream.flow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The publisher side shared by sources and steps: a {@link SubmissionPublisher}, held privately,
 * on threads bound later by the pipeline, whose subscribers are each reached through a
 * {@link Link}. None of the {@code SubmissionPublisher}'s own methods is open to subclasses or
 * users: an item sent around {@code emit} would escape delivery tracking, and a {@code close}
 * would end the stream behind the pipeline's back.
 */
abstract class NodePublisher<T> extends NodeBase implements Flow.Publisher<T> {

    /** Default number of items buffered for each subscriber. */
    static final int DEFAULT_BUFFER_SIZE = 256;

    private final DeferredExecutor executor;
    /** Buffers items for each subscriber, and delivers them on the node's threads. */
    private final SubmissionPublisher<T> buffer;
    private volatile Throwable failure;
    /** Subscribers that have not cancelled; when the last one cancels, nobody wants items. */
    private final AtomicInteger listening = new AtomicInteger();
    private final AtomicBoolean requested = new AtomicBoolean();
    /** The links to push lineages to, when the pipeline tracks delivery; null when it does not. */
    private volatile Link<T>[] trackedLinks;
    private final Object trackedLinksLock = new Object();
    /** The links not ended yet; read without the publisher's lock. */
    private final List<Link<T>> liveLinks = new CopyOnWriteArrayList<>();
    /** Items emitted so far; written by one emitting thread at a time, read to tell idleness. */
    private final AtomicLong emitted = new AtomicLong();
    /**
     * The one link whose subscriber takes every item on the emitting thread, bypassing the
     * buffer, when this node {@linkplain #runsInSubscriber runs fused}; null otherwise.
     */
    private volatile Link<T> fused;

    NodePublisher(Node.Kind kind, String name, int bufferSize) {
        this(new DeferredExecutor(), kind, name, bufferSize);
    }

    private NodePublisher(DeferredExecutor executor, Node.Kind kind, String name, int bufferSize) {
        super(kind, name);
        this.buffer = new SubmissionPublisher<>(executor, Checks.positive(bufferSize, "bufferSize"));
        this.executor = executor;
        node.outlets.add(this);
    }

    /**
     * Returns the name used in thread names, error messages and logs: the one given at
     * construction, or else the simple name of the class.
     *
     * @return this node's name
     */
    public final String name() {
        return node.name;
    }

    /**
     * Subscribes the given subscriber, which then receives every item this node emits, buffered
     * up to this node's buffer size.
     *
     * @param subscriber the subscriber
     * @throws NullPointerException if subscriber is null
     * @throws IllegalStateException if subscriber is already subscribed to this node, or this
     *     node is a ready-made step running fused with its only subscriber (see {@link Steps})
     */
    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // Rule 1.9
        Node downstream = Node.of(subscriber);
        String named = downstream != null ? downstream.label() : String.valueOf(subscriber);
        Checks.state(!isSubscribed(subscriber), named + " is already subscribed to " + node.label()
                + "; subscribe each subscriber once");
        // A fused node's subscriber runs on its thread, under its lock: a second one, served through
        // the buffer, would wait for that lock while the node waits for buffer space.
        Checks.state(fused == null, node.label() + " runs fused with its only subscriber since its pipeline"
                + " started, so it takes no more; subscribe " + named + " before Pipeline.start()");
        if (downstream != null) {
            downstream.upstreams.add(this);
        }
        listening.incrementAndGet();
        Link<T> link = new Link<>(this, subscriber);
        liveLinks.add(link);
        buffer.subscribe(link);
        if (trackedLinks != null) {
            enableTracking(); // a subscriber that came after tracking started
        }
    }

    /** The subscribers themselves, not the links that reach them. */
    final List<Flow.Subscriber<? super T>> subscribers() {
        List<Flow.Subscriber<? super T>> subscribers = new ArrayList<>();
        for (Link<T> link : links()) {
            subscribers.add(link.to);
        }
        return subscribers;
    }

    private boolean isSubscribed(Flow.Subscriber<? super T> subscriber) {
        for (Link<T> link : links()) {
            if (link.to.equals(subscriber)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends an item to every subscriber, blocking while any of them has a full buffer: that is
     * the back-pressure.
     *
     * @param item the item, not null
     * @throws NullPointerException if item is null
     * @throws IllegalStateException if this node has already completed or failed
     */
    protected final void emit(T item) {
        send(item, currentLineage());
    }

    /** Emits {@code item} as derived from {@code lineage}, which may be null (untracked). */
    final void send(T item, Lineage lineage) {
        send(item, lineage, null);
    }

    /**
     * Emits a source item with its new tracker, which the links take over from the emit (see
     * {@link Lineage.Tracker#handOut}).
     *
     * @return true if the links took the tracker over; false if it still holds the emit's count
     */
    final boolean sendNew(T item, Lineage.Tracker tracker) {
        return send(item, tracker, tracker);
    }

    private boolean send(T item, Lineage lineage, Lineage.Tracker fresh) {
        if (item == null) {
            throw new NullPointerException(node.label() + " emitted null; emit only non-null items");
        }
        beforeEmit();
        if (buffer.isClosed()) { // not Checks.state: the message would be built for every item
            throw new IllegalStateException(node.label() + " cannot emit \"" + Checks.describe(item)
                    + "\": it has already completed or failed");
        }
        Link<T> direct = fused;
        if (direct != null) {
            sendDirectly(direct, item, trackedLinks != null ? lineage : null);
            return false;
        }
        Link<T>[] links = trackedLinks;
        boolean handedOut = false;
        if (links != null) {
            handedOut = pushLineage(links, lineage, fresh);
        }
        emitted.lazySet(emitted.get() + 1); // before submit: a link's lag never reads negative
        try {
            buffer.submit(item);
        } catch (RuntimeException e) {
            emitted.lazySet(emitted.get() - 1);
            throw e;
        }
        return handedOut;
    }

    private void sendDirectly(Link<T> link, T item, Lineage lineage) {
        emitted.lazySet(emitted.get() + 1);
        link.deliverDirectly(item, lineage);
    }

    /**
     * Whether this node may run fused with its subscriber: when a pipeline starts and this node
     * has exactly one subscriber, a nanostream step or sink, each emitted item goes straight to
     * that subscriber on the emitting thread, with no buffer nor thread hand-off between them.
     * Only the built-in stateless steps, whose work is a function call, say yes: back-pressure
     * and delivery tracking hold, since the subscriber's handling is part of the emit call. Such
     * a node must emit only from {@code process}, items derived from the item being processed:
     * the subscriber borrows that item's lineage rather than holding it (see
     * {@link Inlet#onDirectNext}).
     */
    boolean runsInSubscriber() {
        return false;
    }

    /** Fuses this node with its lone nanostream subscriber, if it {@linkplain #runsInSubscriber may}. */
    final void fuseWithLoneSubscriber() {
        List<Link<T>> links = links();
        if (runsInSubscriber() && links.size() == 1 && links.get(0).target() != null
                && !Node.of(links.get(0).to).refusesFusion) {
            Link<T> link = links.get(0);
            link.startDirect();
            fused = link;
            Node target = Node.of(link.to);
            if (target.upstreams.size() == 1 && node.inlet() != null) {
                target.inlet().shareLockWith(node.inlet());
            }
        }
    }

    /**
     * Pairs the item about to be submitted with its lineage on every link, in submission order,
     * and counts one outstanding delivery per link that took it.
     */
    private boolean pushLineage(Link<T>[] links, Lineage lineage, Lineage.Tracker fresh) {
        if (lineage == null) {
            for (Link<T> link : links) {
                link.track(null);
            }
            return false;
        }
        boolean handedOut = fresh != null && links.length > 0;
        if (handedOut) {
            fresh.handOut(links.length);
        } else {
            lineage.retain(links.length); // before any link can deliver and release
        }
        int taken = 0;
        for (Link<T> link : links) {
            if (link.track(lineage)) {
                taken++;
            }
        }
        if (taken == 0) { // before the releases below, which would otherwise count as its delivery
            lineage.fail(new CancellationException(node.label() + " had no subscriber left to take the item"));
        }
        for (int i = taken; i < links.length; i++) {
            lineage.release();
        }
        return handedOut;
    }

    /** The lineage of what this node emits now; null outside tracked processing. */
    Lineage currentLineage() {
        return null;
    }

    /** From now on, every item is paired with its lineage on each link. */
    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of this publisher's own links
    final void enableTracking() {
        // Read the links (the publisher's lock) before taking ours: linkEnded holds ours on a
        // consumer thread that a producer blocked in submit, holding the publisher's lock, waits for.
        Link<T>[] current = links().toArray(new Link[0]);
        synchronized (trackedLinksLock) {
            trackedLinks = live(current);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of this publisher's own links
    private static <T> Link<T>[] live(Link<T>[] links) {
        return Arrays.stream(links).filter(link -> !link.terminated.isDone()).toArray(Link[]::new);
    }

    /**
     * A link ended: stop pushing lineages to it, and let go of its subscriber. Runs on the
     * ending subscriber's thread, so it must not take the publisher's lock: a producer blocked in
     * {@code submit} holds that lock until this very thread frees buffer space.
     */
    final void linkEnded(Link<T> link) {
        liveLinks.remove(link); // Rule 3.13: let go of the subscriber
        synchronized (trackedLinksLock) {
            Link<T>[] links = trackedLinks;
            if (links != null) {
                trackedLinks = live(links);
            }
        }
    }

    final boolean isTracking() {
        return trackedLinks != null;
    }

    /** Runs before each emit; sources refuse items once stopping. */
    void beforeEmit() {
    }

    /**
     * Runs once, when a subscriber first requests items. Until then nothing is emitted: all
     * subscribers present at that moment see the same items from the first one on.
     */
    void firstRequest() {
    }

    final void requested() {
        if (!requested.get() && requested.compareAndSet(false, true)) {
            firstRequest();
        }
    }

    /**
     * Runs when the last subscriber has cancelled, on that subscriber's thread: like
     * {@link #linkEnded}, it must not take the publisher's lock.
     */
    void everySubscriberCancelled() {
    }

    final void subscriberCancelled() {
        if (listening.decrementAndGet() == 0) {
            everySubscriberCancelled();
            node.ended();
        }
    }

    /**
     * The links not ended yet (and one that just ended). Takes no lock: safe where a producer
     * blocked in {@code submit} may hold the publisher's.
     */
    final List<Link<T>> liveLinks() {
        return liveLinks;
    }

    @SuppressWarnings("unchecked")
    final List<Link<T>> links() {
        List<Link<T>> links = new ArrayList<>();
        for (Flow.Subscriber<? super T> s : buffer.getSubscribers()) {
            links.add((Link<T>) s);
        }
        return links;
    }

    final void bind(Executor threads) {
        executor.bind(threads);
    }

    /** The number of items emitted so far. */
    final long emittedCount() {
        return emitted.get();
    }

    final Throwable failure() {
        return failure;
    }

    /**
     * Completes downstream, or fails it with {@code error}: either way the items already emitted
     * reach each subscriber that keeps requesting them first.
     */
    final void finish(Throwable error) {
        if (error != null) {
            failure = error;
            for (Link<T> link : links()) {
                link.failIfIdle();
            }
        }
        buffer.close();
        node.finishOwnedOutlets(error);
        node.ended();
    }

    /** Fails downstream at once, dropping buffered items. Only for tearing down a stuck pipeline. */
    final void abort(Throwable error) {
        buffer.closeExceptionally(error);
    }

    /** Whether this node completed or failed downstream. */
    final boolean isClosed() {
        return buffer.isClosed();
    }

    /** Items buffered for each subscriber at most: the buffer size, rounded up to a power of two. */
    final int bufferCapacity() {
        return buffer.getMaxBufferCapacity();
    }

    /** The most items buffered for any one subscriber now. */
    final int maxLag() {
        return buffer.estimateMaximumLag();
    }

    /** The node's threads, once the pipeline bound them. */
    final Executor executor() {
        return executor;
    }
}
