package io.nanostream.jdbc;

/** {@link JdbcSink} on H2. */
class H2JdbcSinkTest extends JdbcSinkContract {

    H2JdbcSinkTest() {
        super(new Database.H2());
    }
}
