package io.nanostream.flow;

import io.nanostream.flow.internal.JoinChecks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Predicate;

/**
 * The nodes of a pipeline and their subscriptions, found once by walking the subscriptions from
 * the sources, and checked before anything runs: no cycle, no publisher without subscribers, no
 * node fed from outside the graph. It does not change afterwards; the pipeline runs it, and asks
 * it what is still running or busy, and how to draw it.
 */
final class PipelineGraph {

    final List<AbstractSource<?>> sources;
    /** Steps subscribed to publishers outside nanostream: sources too. */
    final List<AbstractStep<?, ?>> entrySteps;
    /** Every nanostream publisher: sources, steps, and the outlets nodes own. */
    final Set<NodePublisher<?>> publishers;
    /** Every node but the foreign subscribers, upstream before downstream. */
    final List<Node> nodesInOrder;
    /** The nodes that end a path: sinks. */
    final List<Node> sinks;
    /** The links to subscribers outside nanostream. */
    final List<Link<?>> foreignLinks;
    /** Every subscription: the topology's edges. */
    private final List<Topology.Edge> edges;

    PipelineGraph(List<? extends Flow.Publisher<?>> roots) {
        Checks.state(!roots.isEmpty(), "sources must not be empty: pass the pipeline's sources");
        List<AbstractSource<?>> sourceNodes = new ArrayList<>();
        List<AbstractStep<?, ?>> entries = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            Flow.Publisher<?> root = Checks.notNull(roots.get(i), "sources[" + i + "]");
            if (root instanceof AbstractSource) {
                sourceNodes.add((AbstractSource<?>) root);
            } else if (root instanceof AbstractStep) {
                entries.add((AbstractStep<?, ?>) root);
            } else {
                throw new IllegalArgumentException("sources[" + i + "] is not a nanostream source: " + root
                        + "; pass an AbstractSource, or an AbstractStep subscribed to your publisher");
            }
        }
        Walk walk = new Walk();
        walk.walk(roots);
        this.sources = Collections.unmodifiableList(sourceNodes);
        this.entrySteps = Collections.unmodifiableList(entries);
        this.publishers = Collections.unmodifiableSet(walk.publishers);
        this.nodesInOrder = Collections.unmodifiableList(walk.nodesInOrder);
        this.sinks = Collections.unmodifiableList(walk.sinks);
        this.foreignLinks = Collections.unmodifiableList(walk.foreignLinks);
        this.edges = Collections.unmodifiableList(walk.edges);
    }

    /**
     * Runs the checks that nodes asked for ({@link JoinChecks}) with the pipeline's sources and
     * ends, before any node joins: a check that throws leaves every node free to join another.
     */
    void checkJoining() {
        List<Object> starts = new ArrayList<>(sources);
        starts.addAll(entrySteps);
        List<Object> ends = new ArrayList<>();
        for (Node sink : sinks) {
            ends.add(sink.owner);
        }
        for (Link<?> link : foreignLinks) {
            ends.add(link.to);
        }
        JoinChecks.Members members = new JoinChecks.Members(starts, ends);
        for (Node node : nodesInOrder) {
            java.util.function.Consumer<JoinChecks.Members> check = node.joinCheck;
            if (check != null) {
                check.accept(members);
            }
        }
    }

    /** Makes every node and owned outlet belong to {@code owner}. */
    void joinPipeline(Pipeline owner) {
        for (Node node : nodesInOrder) {
            node.joinPipeline(owner);
        }
        for (NodePublisher<?> publisher : publishers) {
            if (publisher.node.pipeline() == null) {
                publisher.node.joinPipeline(owner); // an outlet owned by another node
            }
        }
    }

    /** What completes when everything has ended: sources, sinks, and foreign subscribers. */
    List<CompletableFuture<Void>> ends() {
        List<CompletableFuture<Void>> ends = new ArrayList<>();
        for (Node sink : sinks) {
            ends.add(sink.terminated);
        }
        for (Link<?> link : foreignLinks) {
            ends.add(link.terminated);
        }
        for (AbstractSource<?> source : sources) {
            ends.add(source.node.terminated);
        }
        return ends;
    }

    /** Whether any source tracks delivery, and so every publisher must. */
    boolean tracksDelivery() {
        return sources.stream().anyMatch(AbstractSource::tracksDelivery);
    }

    /** How many partitions the sources were assigned so far; see {@link AbstractSink#partitionsAssigned()}. */
    long partitionsAssigned() {
        long assigned = 0;
        for (AbstractSource<?> source : sources) {
            assigned += source.node.partitionsAssigned();
        }
        return assigned;
    }

    /**
     * Says what keeps the graph busy, or null when it is idle: no item buffered or being handled
     * anywhere (except by a thread that waits on time), no asynchronous call under way, and every
     * source idle. Nodes are checked upstream first, so an item moving downstream during the
     * check is still seen.
     *
     * @param sourceIdle says whether a source has nothing more to emit for now
     * @param waitingOnTime says whether a thread waits for time to pass
     */
    String busyWith(Predicate<AbstractSource<?>> sourceIdle, Predicate<Thread> waitingOnTime) {
        for (AbstractSource<?> source : sources) {
            if (!source.node.terminated.isDone() && !sourceIdle.test(source)) {
                return source.node.label() + " is emitting";
            }
        }
        for (Node node : nodesInOrder) {
            for (NodePublisher<?> outlet : node.outlets) {
                for (Link<?> link : outlet.liveLinks()) {
                    String busy = busyWith(link, waitingOnTime);
                    if (busy != null) {
                        return busy;
                    }
                }
                if (outlet instanceof AbstractStep && ((AbstractStep<?, ?>) outlet).inFlight() > 0) {
                    return outlet.node.label() + " has asynchronous calls under way";
                }
            }
        }
        return null;
    }

    private static String busyWith(Link<?> link, Predicate<Thread> waitingOnTime) {
        if (link.terminated.isDone()) {
            return null;
        }
        if (link.lag() == 0) {
            return link.from.isClosed() ? "the end of " + link.from.node.label() + " is on its way to " + link.to : null;
        }
        Inlet<?> target = link.target();
        Thread handler = target != null ? target.busyThread() : null;
        if (handler != null && waitingOnTime.test(handler)) {
            return null; // what waits behind it moves only when time does
        }
        return link.lag() + " item(s) from " + link.from.node.label() + " not yet handled by "
                + (target != null ? Node.of(link.to).label() : String.valueOf(link.to));
    }

    /** The sources, sinks and foreign subscribers that have not ended, named for a message. */
    String unfinished() {
        StringJoiner names = new StringJoiner(", ");
        for (AbstractSource<?> source : sources) {
            if (!source.node.terminated.isDone()) {
                names.add(source.node.label());
            }
        }
        for (Node sink : sinks) {
            if (!sink.terminated.isDone()) {
                names.add(sink.label());
            }
        }
        for (Link<?> link : foreignLinks) {
            if (!link.terminated.isDone()) {
                names.add("subscriber " + link.to + " of " + link.from.node.label());
            }
        }
        return names.toString();
    }

    /** How many sources, steps and sinks, in words. */
    String describe() {
        long sourceCount = nodesInOrder.stream().filter(n -> n.kind == Node.Kind.SOURCE).count();
        return sourceCount + " source(s), " + (nodesInOrder.size() - sourceCount - sinks.size()) + " step(s), "
                + sinks.size() + " sink(s)";
    }

    /** The names of the nodes, upstream first. */
    List<String> nodeNames() {
        List<String> names = new ArrayList<>();
        for (Node node : nodesInOrder) {
            names.add(node.name);
        }
        return names;
    }

    /** The picture of the graph, titled {@code name}. */
    Topology topology(String name) {
        return new Topology(name, nodesInOrder, edges);
    }

    /** Depth-first walk from the sources that finds every node and rejects invalid graphs. */
    private static final class Walk {
        final Set<NodePublisher<?>> publishers = new LinkedHashSet<>();
        final List<Node> nodesInOrder = new ArrayList<>();
        final List<Node> sinks = new ArrayList<>();
        final List<Link<?>> foreignLinks = new ArrayList<>();
        final List<Topology.Edge> edges = new ArrayList<>();
        private final Map<Node, Boolean> onPath = new HashMap<>();
        private final List<String> path = new ArrayList<>();
        private final List<Node> finished = new ArrayList<>();

        void walk(List<? extends Flow.Publisher<?>> roots) {
            for (Flow.Publisher<?> root : roots) {
                visit(((NodePublisher<?>) root).node);
            }
            for (int i = finished.size() - 1; i >= 0; i--) {
                nodesInOrder.add(finished.get(i)); // reverse post-order: upstream first
            }
            for (Node node : nodesInOrder) {
                checkUpstreams(node);
            }
        }

        private void visit(Node node) {
            Boolean active = onPath.get(node);
            if (Boolean.TRUE.equals(active)) {
                path.add(node.label());
                throw new IllegalArgumentException("the graph has a cycle: " + String.join(" -> ", path)
                        + "; a pipeline must not feed a node its own output");
            }
            if (active != null) {
                return; // already walked through another branch (fan-in)
            }
            onPath.put(node, true);
            path.add(node.label());
            if (node.kind == Node.Kind.SINK) {
                sinks.add(node);
            }
            for (NodePublisher<?> outlet : node.outlets) {
                visitOutlet(node, outlet);
            }
            path.remove(path.size() - 1);
            onPath.put(node, false);
            finished.add(node);
        }

        private void visitOutlet(Node owner, NodePublisher<?> outlet) {
            publishers.add(outlet);
            List<? extends Link<?>> links = outlet.links();
            if (links.isEmpty()) {
                throw new IllegalArgumentException(outlet.node.label() + " has no subscribers, so its items"
                        + " would be lost; subscribe a step or sink to it");
            }
            for (Link<?> link : links) {
                Node target = Node.of(link.to);
                edges.add(new Topology.Edge(owner, Topology.label(owner, outlet), target != null ? target : link.to));
                if (target != null) {
                    visit(target);
                } else {
                    foreignLinks.add(link);
                }
            }
        }

        private void checkUpstreams(Node node) {
            for (NodePublisher<?> upstream : node.upstreams) {
                if (!publishers.contains(upstream)) {
                    throw new IllegalArgumentException(node.label() + " is also fed by " + upstream.node.label()
                            + ", which no source given to Pipeline.from reaches; pass its source too");
                }
            }
        }
    }
}
