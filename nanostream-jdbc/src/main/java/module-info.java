/**
 * A JDBC sink and source for nanostream pipelines: batched writes, one transaction per batch,
 * inputs acknowledged only after the commit; rows read by an increasing column, with the position
 * of the rows fully processed kept in the database, in the sink's own transactions when it writes
 * there. Depends on the core and {@code java.sql}; bring your driver.
 */
module io.nanostream.jdbc {
    requires transitive io.nanostream.flow;
    requires transitive java.sql;

    exports io.nanostream.jdbc;
}
