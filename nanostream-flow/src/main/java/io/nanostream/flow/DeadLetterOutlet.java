package io.nanostream.flow;

/**
 * The publisher a node sends its dead letters through, to the subscriber its error policy names.
 * It belongs to the node: it runs on the node's pipeline and ends when the node ends.
 */
final class DeadLetterOutlet extends NodePublisher<DeadLetter> {

    DeadLetterOutlet(Node owner) {
        super(Node.Kind.OUTLET, owner.name + " dead letters", DEFAULT_BUFFER_SIZE);
    }
}
