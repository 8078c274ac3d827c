package io.nanostream.flow;

/**
 * An input a step or sink keeps beyond the call that received it: until it is released, the
 * source's {@link DeliveryCallback} for it is not told it was delivered. Get one with
 * {@code holdInput()} while handling the input; a step passes held inputs to
 * {@link AbstractStep#emit(Object, java.util.Collection)} to say an output came from them.
 *
 * <p>An aggregating step holds each input it adds to an aggregate, emits the aggregate from the
 * held inputs, then releases them. A sink that writes asynchronously holds each input and
 * releases it when the write is confirmed, or fails it when the write failed. Inputs still held
 * when the node ends or fails are failed for it.
 *
 * <pre>{@code
 * class BatchOfTen extends AbstractStep<String, List<String>> {
 *     private final List<String> batch = new ArrayList<>();
 *     private final List<Held> inputs = new ArrayList<>();
 *
 *     @Override
 *     protected void process(String item) {
 *         batch.add(item);
 *         inputs.add(holdInput());
 *         if (batch.size() == 10) {
 *             emit(List.copyOf(batch), inputs);
 *             inputs.forEach(Held::release);
 *             batch.clear();
 *             inputs.clear();
 *         }
 *     }
 * }
 * }</pre>
 */
public interface Held {

    /** Done with this input: what was emitted from it carries it on; else it is delivered. */
    void release();

    /**
     * This input did not reach its destination: its source hears {@link DeliveryCallback#failed}.
     *
     * @param cause why
     */
    void fail(Throwable cause);
}
