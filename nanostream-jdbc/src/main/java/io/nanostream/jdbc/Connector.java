package io.nanostream.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/** Where a source or sink of this module gets its connections, and how messages name it. */
final class Connector {

    /** Opens a connection. */
    @FunctionalInterface
    private interface Opener {
        Connection open() throws SQLException;
    }

    private final Opener opener;
    /** The database, as messages name it: the URL without its password, or the data source's class. */
    final String target;

    private Connector(Opener opener, String target) {
        this.opener = opener;
        this.target = target;
    }

    /** Connects with {@link DriverManager#getConnection(String)}. */
    static Connector of(String jdbcUrl) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl must not be null");
        String target = jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("jdbcUrl must start with 'jdbc:', like jdbc:postgresql://host:5432/db: "
                    + target);
        }
        return new Connector(() -> DriverManager.getConnection(jdbcUrl), target);
    }

    /** Takes connections from a data source, pooled or not. */
    static Connector of(DataSource dataSource) {
        Objects.requireNonNull(dataSource, "dataSource must not be null");
        return new Connector(dataSource::getConnection, dataSource.getClass().getSimpleName());
    }

    Connection open() throws SQLException {
        return opener.open();
    }

    /** Closes a connection, rolling back what it has open; a broken one is let go. */
    static void close(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException ignored) {
            // closing it ends the transaction as well
        }
        try {
            connection.close(); // closes its statements too
        } catch (SQLException ignored) {
            // it was broken already: nothing left to release
        }
    }
}
