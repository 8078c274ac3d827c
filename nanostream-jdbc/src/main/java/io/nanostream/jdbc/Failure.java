package io.nanostream.jdbc;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/** What a database error means for the items being written, told by its SQLState. */
enum Failure {
    /** The row is wrong (SQLState class 22, data, or 23, constraint): that item alone fails. */
    ITEM,
    /** The connection or the moment is wrong: reconnect and write again. */
    TRANSIENT,
    /** The statement, schema or login is wrong: no retry helps. */
    STATEMENT;

    /** Connection (08), transaction rollback (40), resources (53), operator intervention (57). */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "40", "53", "57");
    /**
     * Data exception (22), integrity constraint (23), with check option (44), and the general
     * error (HY) by which MySQL and MariaDB report some bad values.
     */
    private static final Set<String> ITEM_CLASSES = Set.of("22", "23", "44", "HY");

    static Failure of(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException
                || e instanceof SQLNonTransientConnectionException) {
            return TRANSIENT;
        }
        String state = sqlState(e);
        if (state == null || state.length() < 2) {
            return ITEM; // the driver does not say: written one at a time, the rows tell
        }
        String stateClass = state.substring(0, 2).toUpperCase(java.util.Locale.ROOT);
        if (TRANSIENT_CLASSES.contains(stateClass) || state.startsWith("HYT")) { // HYT: timeouts
            return TRANSIENT;
        }
        return ITEM_CLASSES.contains(stateClass) ? ITEM : STATEMENT;
    }

    /** The first SQLState found on the exception, its chained exceptions, or its causes. */
    static String sqlState(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException next = sql; next != null; next = next.getNextException()) {
                    if (next.getSQLState() != null) {
                        return next.getSQLState();
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
