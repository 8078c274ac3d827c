package io.nanostream.flow;

/**
 * Hears, once per item a source emitted with it, whether the item was delivered: consumed, with
 * everything derived from it, by every sink it reached. This is what a source reading from a
 * system with acknowledgements (Kafka offsets, a queue, a file position) commits on.
 *
 * <p>Exactly one of the two methods is called, exactly once, on a pipeline thread; keep it short.
 * {@link #delivered} is never called early: not while any item derived from this one is still
 * buffered, being processed, {@linkplain AbstractStep#holdInput() held} by a step, or held by a
 * sink that finishes asynchronously. {@link #failed} is called when the item, or something
 * derived from it, did not reach a sink: a node failed on it, or the pipeline failed or was
 * aborted while it was in flight.
 *
 * <p><b>What counts as derived.</b> Whatever a step emits while processing an item derives from
 * that item: a map, a filter (nothing derived: the item is done once processed), a flatMap
 * (done when all its outputs are). A step that keeps items across calls, such as a batch or an
 * aggregate, holds them with {@code holdInput()} and names them when it emits
 * ({@link AbstractStep#emit(Object, java.util.Collection)}); see {@link Held}. With fan-out the
 * item is done when every branch is; a subscriber outside nanostream is done with an item when
 * its {@code onNext} returns.
 *
 * <p><b>How it is tracked, and why this way.</b> Each subscription between nanostream nodes
 * keeps a queue of the lineages (which source items an item derives from) of the items submitted
 * to it and not yet delivered, in submission order; since a {@code SubmissionPublisher} delivers
 * to each subscriber in submission order, the head of the queue always belongs to the item being
 * delivered. The alternative, an envelope around each item, would change what subscribers see:
 * a plain {@code Flow.Subscriber} subscribed to a step must receive the step's items, not
 * envelopes, and the TCK verifies exactly that. The queues exist only in pipelines where a source
 * {@linkplain AbstractSource#tracksDelivery() tracks delivery}; elsewhere an emit pays one
 * volatile read for it.
 *
 * <pre>{@code
 * class Lines extends AbstractSource<String> {
 *     @Override
 *     protected boolean tracksDelivery() {
 *         return true;
 *     }
 *
 *     @Override
 *     protected void produce() {
 *         for (Line line : input) {
 *             emit(line.text(), new DeliveryCallback() {
 *                 public void delivered() { input.commit(line.position()); }
 *                 public void failed(Throwable cause) { log.warn("will replay " + line, cause); }
 *             });
 *         }
 *     }
 * }
 * }</pre>
 */
public interface DeliveryCallback {

    /** The item and everything derived from it reached every sink it was headed for. */
    void delivered();

    /**
     * The item, or something derived from it, did not reach a sink.
     *
     * @param cause why
     */
    void failed(Throwable cause);
}
