package io.nanostream.flow;

import io.nanostream.flow.internal.Origins;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link Held} input: one retained count on the input's lineage, given back once. */
final class HeldInput implements Held {

    /** Stands for a held input of a pipeline that tracks no delivery. */
    static final HeldInput UNTRACKED = new HeldInput(null, null);

    static {
        Origins.install(new Origins.Access() {
            @Override
            public List<Object> of(Held input) {
                Lineage lineage = ((HeldInput) input).lineage;
                if (lineage == null) {
                    return List.of();
                }
                if (lineage instanceof Lineage.Tracker) {
                    return List.of(lineage);
                }
                Map<Lineage.Tracker, Boolean> roots = new LinkedHashMap<>();
                lineage.collectRoots(roots);
                return List.copyOf(roots.keySet());
            }

            @Override
            public int outstanding(Object origin) {
                return ((Lineage.Tracker) origin).outstanding();
            }

            @Override
            public boolean isRevoked(Object origin) {
                return ((Lineage.Tracker) origin).isRevoked();
            }

            @Override
            public boolean emittedBy(Object origin, Object source) {
                return ((Lineage.Tracker) origin).source == Node.of(source);
            }
        });
    }

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
