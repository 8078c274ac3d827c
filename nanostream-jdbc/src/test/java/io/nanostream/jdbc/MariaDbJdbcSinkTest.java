package io.nanostream.jdbc;

/** {@link JdbcSink} on MariaDb. */
class MariaDbJdbcSinkTest extends JdbcSinkContract {

    MariaDbJdbcSinkTest() {
        super(new Database.MariaDb());
    }
}
