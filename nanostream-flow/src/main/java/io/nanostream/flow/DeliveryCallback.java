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
