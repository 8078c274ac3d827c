package io.nanostream.flow;

import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link Held} input: one retained count on the input's lineage, given back once. */
final class HeldInput implements Held {

    /** Stands for a held input of a pipeline that tracks no delivery. */
    static final HeldInput UNTRACKED = new HeldInput(null, null);

    final Lineage lineage;
    private final Inlet<?> holder;
    private final AtomicBoolean settled = new AtomicBoolean();

    HeldInput(Lineage lineage, Inlet<?> holder) {
        this.lineage = lineage;
        this.holder = holder;
    }

    @Override
    public void release() {
        if (lineage != null && settled.compareAndSet(false, true)) {
            holder.forget(this);
            lineage.release();
        }
    }

    @Override
    public void fail(Throwable cause) {
        Checks.notNull(cause, "cause");
        if (lineage != null && settled.compareAndSet(false, true)) {
            holder.forget(this);
            lineage.fail(cause);
        }
    }

    /** The lineage to emit from; an input already released or failed may have been acknowledged. */
    static Lineage lineageOf(Held held) {
        if (!(held instanceof HeldInput)) {
            throw new IllegalArgumentException("not a held input: " + held + "; pass what holdInput() returned");
        }
        HeldInput input = (HeldInput) held;
        Checks.state(!input.settled.get(), "an input was released or failed before an item was emitted from it;"
                + " emit from held inputs first, then release them");
        return input.lineage;
    }
}
