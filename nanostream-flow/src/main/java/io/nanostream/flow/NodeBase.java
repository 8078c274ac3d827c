package io.nanostream.flow;

/**
 * What every nanostream source, step, sink and partition is built on: the {@link Node} that says
 * what it is. A pipeline tells its own nodes from subscribers outside nanostream by this class
 * alone.
 */
abstract class NodeBase {

    final Node node;

    NodeBase(Node.Kind kind, String name) {
        this.node = new Node(kind, name, getClass());
    }
}
