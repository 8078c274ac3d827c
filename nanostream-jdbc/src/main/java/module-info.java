/**
 * A JDBC sink for nanostream pipelines: batched writes, one transaction per batch, inputs
 * acknowledged only after the commit. Depends on the core and {@code java.sql}; bring your driver.
 */
module io.nanostream.jdbc {
    requires transitive io.nanostream.flow;
    requires transitive java.sql;

    exports io.nanostream.jdbc;
}
