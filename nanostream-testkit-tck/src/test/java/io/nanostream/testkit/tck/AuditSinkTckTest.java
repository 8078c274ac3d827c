package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A user's own sink verified through {@link SinkVerification} alone, as its javadoc shows: public
 * API only.
 */
public class AuditSinkTckTest extends SinkVerification<String> {

    private final List<String> auditLog = new CopyOnWriteArrayList<>();

    /** Writes each event it takes to an audit log. */
    static final class AuditSink extends AbstractSink<String> {
        private final List<String> log;

        AuditSink(List<String> log) {
            this.log = log;
        }

        @Override
        protected void consume(String event) {
            log.add(event);
        }
    }

    @Override
    protected AbstractSink<String> createSink() {
        return new AuditSink(auditLog);
    }

    @Override
    public String createElement(int element) {
        return "event " + element;
    }
}
