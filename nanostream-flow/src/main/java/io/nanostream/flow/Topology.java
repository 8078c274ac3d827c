package io.nanostream.flow;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a pipeline, as {@link Pipeline#toMermaid()} and {@link Pipeline#toDot()} draw it:
 * its nodes upstream first, and an edge for every subscription, labelled where it is not the
 * node's main output (a dead-letter outlet, a partition's lane).
 */
final class Topology {

    /** A subscription: from a node, through one of its outlets, to a node or a foreign subscriber. */
    record Edge(Node from, String label, Object to) {
    }

    private final String name;
    private final List<Node> nodes;
    private final List<Edge> edges;
    private final Map<Object, String> ids = new IdentityHashMap<>();

    Topology(String name, List<Node> nodes, List<Edge> edges) {
        this.name = name;
        this.nodes = nodes;
        this.edges = new ArrayList<>(edges);
        this.edges.sort(java.util.Comparator.comparingInt(edge -> nodes.indexOf(edge.from))); // stable: outlet order
        for (Node node : nodes) {
            ids.put(node, "n" + ids.size());
        }
        for (Edge edge : edges) {
            ids.computeIfAbsent(edge.to, foreign -> "n" + ids.size());
        }
    }

    /** The label of an edge leaving {@code owner} through {@code outlet}: empty for its main output. */
    static String label(Node owner, NodePublisher<?> outlet) {
        if (outlet instanceof DeadLetterOutlet) {
            return "dead letters";
        }
        if (outlet.node != owner) {
            String lane = outlet.node.name;
            return lane.substring(lane.lastIndexOf('[')); // a partition's lane: "[2]"
        }
        return "";
    }

    String mermaid() {
        StringBuilder text = new StringBuilder("flowchart LR\n");
        for (Node node : nodes) {
            String label = '"' + node.name.replace("\"", "#quot;") + '"';
            String shape = switch (node.kind) {
                case SOURCE -> "([" + label + "])";
                case SINK -> "[(" + label + ")]";
                default -> "[" + label + "]";
            };
            text.append("    ").append(ids.get(node)).append(shape).append('\n');
        }
        for (Object foreign : foreignSubscribers()) {
            text.append("    ").append(ids.get(foreign)).append("{{\"").append(describe(foreign).replace("\"", "#quot;"))
                    .append("\"}}\n");
        }
        for (Edge edge : edges) {
            text.append("    ").append(ids.get(edge.from));
            text.append(edge.label.isEmpty() ? " --> " : " -.->|\"" + edge.label + "\"| ");
            text.append(ids.get(edge.to)).append('\n');
        }
        return text.toString();
    }

    String dot() {
        StringBuilder text = new StringBuilder("digraph \"").append(escape(name)).append("\" {\n    rankdir=LR;\n");
        for (Node node : nodes) {
            String shape = switch (node.kind) {
                case SOURCE -> "ellipse";
                case SINK -> "cylinder";
                default -> "box";
            };
            text.append("    ").append(ids.get(node)).append(" [label=\"").append(escape(node.name)).append("\", shape=")
                    .append(shape).append("];\n");
        }
        for (Object foreign : foreignSubscribers()) {
            text.append("    ").append(ids.get(foreign)).append(" [label=\"").append(escape(describe(foreign)))
                    .append("\", shape=hexagon];\n");
        }
        for (Edge edge : edges) {
            text.append("    ").append(ids.get(edge.from)).append(" -> ").append(ids.get(edge.to));
            if (!edge.label.isEmpty()) {
                text.append(" [label=\"").append(escape(edge.label)).append("\", style=dashed]");
            }
            text.append(";\n");
        }
        return text.append("}\n").toString();
    }

    private List<Object> foreignSubscribers() {
        List<Object> foreign = new ArrayList<>();
        for (Edge edge : edges) {
            if (!(edge.to instanceof Node) && !foreign.contains(edge.to)) {
                foreign.add(edge.to);
            }
        }
        return foreign;
    }

    private static String describe(Object subscriber) {
        String simple = subscriber.getClass().getSimpleName();
        return simple.isEmpty() ? subscriber.getClass().getName() : simple;
    }

    private static String escape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
