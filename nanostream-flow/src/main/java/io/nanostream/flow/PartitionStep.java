package io.nanostream.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link Steps#partition}: an inlet like a step's, and one {@link Output} per partition instead
 * of a publisher of its own. It starts taking items when any output is first requested from, and
 * cancels its upstreams when every output's subscribers have cancelled.
 */
final class PartitionStep<T> extends NodeBase implements Partition<T> {

    private final Inlet<T> inlet;
    private final List<Output<T>> outputs = new ArrayList<>();
    private final Function<? super T, ?> keyFunction;
    private final AtomicInteger liveOutputs;

    PartitionStep(int count, Function<? super T, ?> keyFunction) {
        super(Node.Kind.STEP, "partition");
        Checks.positive(count, "count");
        this.keyFunction = Checks.notNull(keyFunction, "keyFunction");
        this.inlet = new Inlet<>(node, NodePublisher.DEFAULT_BUFFER_SIZE, false, new Input());
        for (int i = 0; i < count; i++) {
            Output<T> output = new Output<>(this, i);
            outputs.add(output);
            node.outlets.add(output);
        }
        this.liveOutputs = new AtomicInteger(count);
    }

    @Override
    public Flow.Publisher<T> output(int index) {
        Objects.checkIndex(index, outputs.size());
        return outputs.get(index);
    }

    @Override
    public List<Flow.Publisher<T>> outputs() {
        return List.copyOf(outputs);
    }

    @Override
    public Partition<T> named(String name) {
        node.rename(name);
        return this;
    }

    @Override
    public Partition<T> withErrorPolicy(ErrorPolicy policy) {
        node.setErrorPolicy(policy);
        return this;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        inlet.onSubscribe(subscription);
    }

    @Override
    public void onNext(T item) {
        inlet.onNext(item);
    }

    @Override
    public void onError(Throwable error) {
        inlet.onError(error);
    }

    @Override
    public void onComplete() {
        inlet.onComplete();
    }

    @Override
    public String toString() {
        return node.label();
    }

    /** The output for {@code key}: its spread hash modulo the number of outputs. */
    private Output<T> outputFor(Object key) {
        int hash = Objects.hashCode(key);
        return outputs.get(Math.floorMod(hash ^ (hash >>> 16), outputs.size()));
    }

    private final class Input implements Inlet.Receiver<T> {
        @Override
        public void started() {
        }

        @Override
        public void receive(T item) {
            outputFor(keyFunction.apply(item)).send(item, inlet.current());
        }

        @Override
        public void ended() {
            node.finishOwnedOutlets(null);
        }

        @Override
        public void failed(Throwable error) {
            node.report(error);
            node.finishOwnedOutlets(error);
        }
    }

    /** One partition's publisher. */
    static final class Output<T> extends NodePublisher<T> {
        private final PartitionStep<T> owner;

        Output(PartitionStep<T> owner, int index) {
            super(Node.Kind.OUTLET, owner.node.name + "[" + index + "]", DEFAULT_BUFFER_SIZE);
            this.owner = owner;
        }

        @Override
        void firstRequest() {
            executor().execute(owner.inlet::openDemand); // not on the requesting thread, as for steps
        }

        @Override
        void everySubscriberCancelled() {
            if (owner.liveOutputs.decrementAndGet() == 0) {
                executor().execute(() -> {
                    owner.inlet.cancel();
                    owner.node.finishOwnedOutlets(null);
                });
            }
        }

        @Override
        public String toString() {
            return node.label();
        }
    }
}
