package io.nanostream.jdbc;

import io.nanostream.flow.Held;
import io.nanostream.flow.internal.Origins;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The position of a {@link JdbcSource} as a {@link JdbcSink} keeps it in its own transactions:
 * what the database holds, what the transaction open now writes, and, for a commit whose answer
 * was lost with the connection, whether it landed. Used by the sink's one thread.
 */
final class KeptPosition {

    private final JdbcSource<?> source;
    /** The update, on the connection it was prepared on; null once that connection is gone. */
    private PreparedStatement update;
    /** The position the database holds, once {@link #known}. */
    private long committed = Long.MIN_VALUE;
    /** Whether {@link #committed} was read from the database or committed by the sink. */
    private boolean known;
    /** The position written in the transaction open now. */
    private long written = Long.MIN_VALUE;

    KeptPosition(JdbcSource<?> source) {
        this.source = source;
    }

    JdbcSource<?> source() {
        return source;
    }

    /** Whether items finished since the last commit: a transaction with the position alone is due. */
    boolean behind() {
        return source.finished() != committed;
    }

    /** Whether every source item {@code input} derives from was read by this source. */
    boolean onlyFrom(Held input) {
        Origins.Access origins = Origins.access();
        for (Object origin : origins.of(input)) {
            if (!origins.emittedBy(origin, source)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes, in the transaction open on {@code connection}, the position the source's finished
     * items reach, unless the database holds it already.
     *
     * @return false if the database has no row for the source
     */
    boolean write(Connection connection) throws SQLException {
        if (!known) { // the source stored its first position as it started
            Long stored = source.storedPosition(connection);
            if (stored != null) {
                committed = stored;
                known = true;
            }
        }
        long finished = source.finished();
        if (finished != committed) {
            if (update == null) {
                update = connection.prepareStatement(source.updatePositionSql());
            }
            update.setLong(1, finished);
            update.setString(2, source.key());
            if (update.executeUpdate() != 1) {
                return false;
            }
        }
        written = finished;
        return true;
    }

    /** Whether the transaction open now moves the position: only then can a lost commit of it be looked up. */
    boolean moves() {
        return written != committed;
    }

    /** The transaction open now committed. */
    void committed() {
        committed = written;
        known = true;
    }

    /**
     * Whether a commit whose answer was lost landed after all: the database holds the position it
     * wrote. If so, it counts as committed. Rolls back the read.
     */
    boolean landed(Connection connection) throws SQLException {
        Long stored = source.storedPosition(connection);
        connection.rollback();
        boolean landed = stored != null && stored == written;
        if (landed) {
            committed();
        }
        return landed;
    }

    /** The connection the update was prepared on is gone. */
    void disconnected() {
        update = null;
    }
}
