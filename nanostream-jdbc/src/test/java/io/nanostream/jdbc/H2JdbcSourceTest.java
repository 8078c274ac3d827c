package io.nanostream.jdbc;

/** {@link JdbcSource} on H2. */
class H2JdbcSourceTest extends JdbcSourceContract {

    H2JdbcSourceTest() {
        super(new Database.H2());
    }
}
