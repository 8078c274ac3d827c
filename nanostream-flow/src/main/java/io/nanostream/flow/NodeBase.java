package io.nanostream.flow;

import io.nanostream.flow.internal.JoinChecks;

/**
 * What every nanostream source, step, sink and partition is built on: the {@link Node} that says
 * what it is. A pipeline tells its own nodes from subscribers outside nanostream by this class
 * alone.
 */
abstract class NodeBase {

    static {
        JoinChecks.install(new JoinChecks.Registry() {
            @Override
            public void whenJoining(Object node, java.util.function.Consumer<JoinChecks.Members> check) {
                nodeOf(node).joinCheck = check;
            }

            @Override
            public void refuseFusion(Object node) {
                nodeOf(node).refusesFusion = true;
            }

            private Node nodeOf(Object candidate) {
                Node node = Node.of(candidate);
                if (node == null) {
                    throw new IllegalArgumentException("not a nanostream node: " + candidate);
                }
                return node;
            }
        });
    }

    final Node node;

    NodeBase(Node.Kind kind, String name) {
        this.node = new Node(kind, name, this);
    }

    /** Why this node cannot do its work now, for {@link Pipeline#health()}; null when it can. */
    String notReady() {
        return null;
    }
}
