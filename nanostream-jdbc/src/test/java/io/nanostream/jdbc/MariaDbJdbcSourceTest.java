package io.nanostream.jdbc;

/** {@link JdbcSource} on MariaDB. */
class MariaDbJdbcSourceTest extends JdbcSourceContract {

    MariaDbJdbcSourceTest() {
        super(new Database.MariaDb());
    }
}
