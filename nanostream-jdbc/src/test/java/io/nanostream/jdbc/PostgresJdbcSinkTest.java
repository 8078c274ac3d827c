package io.nanostream.jdbc;

/** {@link JdbcSink} on Postgres. */
class PostgresJdbcSinkTest extends JdbcSinkContract {

    PostgresJdbcSinkTest() {
        super(new Database.Postgres());
    }
}
