package io.nanostream.jdbc;

/** {@link JdbcSource} on PostgreSQL. */
class PostgresJdbcSourceTest extends JdbcSourceContract {

    PostgresJdbcSourceTest() {
        super(new Database.Postgres());
    }
}
