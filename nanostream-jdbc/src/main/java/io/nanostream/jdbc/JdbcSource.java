package io.nanostream.jdbc;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.internal.Progress;
import io.nanostream.flow.internal.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Reads the rows of a table as they are added, by an increasing column (the outbox pattern: an
 * identity or sequence column, or any {@code BIGINT} that only grows), and keeps in the database
 * how far the pipeline has <em>finished</em>, not how far it has read: a restart, after a crash or
 * a stop, resumes after the last row that, with everything derived from it, reached every sink,
 * with nothing unfinished before it.
 *
 * <p><b>Reading.</b> The source runs the query with its one parameter set to the position read so
 * far, {@code SELECT ... FROM orders WHERE id > ? ORDER BY id}, taking at most
 * {@link Builder#batchSize} rows at a time, maps each row to an item, and runs the query again
 * at once while rows come, every {@link Builder#pollInterval} when none do. With
 * {@link Builder#stopAtEnd()} it completes at the first query that returns no row instead. A row
 * the mapper throws on goes to the source's {@linkplain #withErrorPolicy error policy} (the
 * pipeline fails unless it says skip or dead-letter; the dead letter holds the row's columns), and
 * the rows after it are read as usual. A query whose rows do not come in increasing order of the
 * position column, or not after the parameter, fails the pipeline, naming the row.
 *
 * <p><b>Positions.</b> The position is kept in a table of the source's database
 * ({@code nanostream_positions} unless {@link Builder#positionsTable} says otherwise; the source
 * creates it if it is missing), one row per source, keyed by the source's name. There are two
 * ways to keep it:
 * <ul>
 * <li>By the source (the default): every {@link Builder#commitInterval} (a second unless given)
 *     and when the source ends it writes the position of the rows fully processed. After a
 *     crash, the rows processed since the last write are processed again: at least once.
 * <li>By a {@link JdbcSink} writing to the same database, built with
 *     {@link JdbcSink.Builder#positionsOf positionsOf(source)}: the sink writes the position in
 *     each of its own transactions, so rows written and rows read commit together. After a crash
 *     the source resumes exactly after the rows whose results committed: nothing is written
 *     twice, with any statement. This holds when the steps between keep the order of the rows
 *     (maps, filters, a {@code mapAsync} or keyed step that emits in order); a step
 *     that emits out of order can have a later row's result committed before an earlier row is
 *     finished, and that later row is then written again after a crash: keep an upsert for such
 *     pipelines. The sink must be the only sink the rows reach.
 * </ul>
 * A table of positions per database makes moving a pipeline to another database a copy of rows.
 *
 * <p><b>Rows committed out of order.</b> An identity column takes its values as rows are
 * inserted, not as they commit: with concurrent writers, the row with id 11 can be visible before
 * the one with id 10, and once the source has read past 11 it does not look back. Give the
 * table one writer, or take the ids when the rows commit (a sequence taken under a lock held to
 * the commit), or read with a query that leaves out rows younger than the longest transaction
 * ({@code ... AND created < now() - interval '10 seconds'}).
 *
 * <p><b>Failures.</b> A lost connection or a transient failure (SQLState class 08, 40, 53, 57)
 * makes the source reconnect and query again, up to {@link Builder#retries} times with growing
 * pauses, while {@link io.nanostream.flow.Pipeline#health()} says why it is not ready; anything
 * else (a wrong query, a missing table) fails the pipeline at once, naming the query.
 *
 * <pre>{@code
 * record Order(long id, String customer, long amount) {
 * }
 * JdbcSource<Order> orders = JdbcSource.builder("jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
 *         .query("SELECT id, customer, amount FROM orders WHERE id > ? ORDER BY id", "id")
 *         .mapper((ResultSet row) -> new Order(row.getLong("id"), row.getString("customer"), row.getLong("amount")))
 *         .named("orders")
 *         .build();
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class JdbcSource<T> extends AbstractSource<T> {

    private static final System.Logger LOG = System.getLogger("io.nanostream.jdbc");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final Connector connector;
    private final String query;
    private final String positionColumn;
    private final RowMapper<? extends T> mapper;
    private final String key;
    private final String positionsTable;
    private final long startAfter;
    private final int batchSize;
    private final Duration pollInterval;
    private final Duration commitInterval;
    private final Duration stopTimeout;
    private final boolean stopAtEnd;
    private final Retries retries;

    /** The sink that writes this source's positions, or null: set once, as the sink is built. */
    private volatile String keeper;
    private volatile Progress progress;
    private Connection connection;
    private PreparedStatement select;
    private long read;
    private long committed;
    private long lastCommit;
    private volatile String notReady = "not started";

    private JdbcSource(Builder<T> builder) {
        super(builder.name, builder.batchSize);
        this.connector = builder.connector;
        this.query = builder.query;
        this.positionColumn = builder.positionColumn;
        this.mapper = builder.mapper;
        this.key = builder.name;
        this.positionsTable = builder.positionsTable;
        this.startAfter = builder.startAfter;
        this.batchSize = builder.batchSize;
        this.pollInterval = builder.pollInterval;
        this.commitInterval = builder.commitInterval;
        this.stopTimeout = builder.stopTimeout;
        this.stopAtEnd = builder.stopAtEnd;
        this.retries = builder.retries;
    }

    /**
     * Starts building a source that connects with {@link java.sql.DriverManager#getConnection(String)}:
     * the driver must be on the class path, and the URL carries the user and password if any.
     *
     * @param jdbcUrl the JDBC URL
     * @return a builder, of items of any type until {@link Builder#mapper} says which
     * @throws NullPointerException if jdbcUrl is null
     * @throws IllegalArgumentException if jdbcUrl does not start with {@code jdbc:}
     */
    public static Builder<Object> builder(String jdbcUrl) {
        return new Builder<>(Connector.of(jdbcUrl));
    }

    /**
     * Starts building a source that takes its connection from a {@link DataSource}.
     *
     * @param dataSource where connections come from
     * @return a builder, of items of any type until {@link Builder#mapper} says which
     * @throws NullPointerException if dataSource is null
     */
    public static Builder<Object> builder(DataSource dataSource) {
        return new Builder<>(Connector.of(dataSource));
    }

    /** Records that a sink writes this source's positions; a source has one such sink at most. */
    synchronized void keptBy(String sink) {
        if (keeper != null) {
            throw new IllegalStateException("the positions of source '" + key + "' are kept by sink '" + keeper
                    + "' already: one sink keeps them");
        }
        keeper = sink;
    }

    /** The position after the rows finished so far, or {@link Long#MIN_VALUE} before the source started. */
    long finished() {
        Progress now = progress;
        return now == null ? Long.MIN_VALUE : now.position();
    }

    /** How often the position is written. */
    Duration commitInterval() {
        return commitInterval;
    }

    /** The name the position is kept under. */
    String key() {
        return key;
    }

    /** The table the position is kept in. */
    String positionsTable() {
        return positionsTable;
    }

    /** Sets the position (parameter 1) of the source named by parameter 2. */
    String updatePositionSql() {
        return "UPDATE " + positionsTable + " SET position = ? WHERE name = ?";
    }

    @Override
    protected boolean tracksDelivery() {
        return true;
    }

    @Override
    protected String notReadyReason() {
        return notReady;
    }

    @Override
    protected void onStart() throws SQLException, InterruptedException {
        long position = retrying(this::loadPosition, "could not read its position from");
        committed = position;
        read = position;
        progress = new Progress(position);
        notReady = null;
    }

    private long loadPosition() throws SQLException {
        try (Statement create = connection().createStatement()) {
            create.execute("CREATE TABLE IF NOT EXISTS " + positionsTable
                    + " (name VARCHAR(200) PRIMARY KEY, position BIGINT NOT NULL)");
        }
        Long stored = storedPosition(connection);
        if (stored != null) {
            return stored;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + positionsTable
                + " (name, position) VALUES (?, ?)")) {
            insert.setString(1, key);
            insert.setLong(2, startAfter);
            insert.executeUpdate();
            return startAfter;
        } catch (SQLException e) {
            stored = storedPosition(connection); // another instance inserted it first
            if (stored == null) {
                throw e;
            }
            return stored;
        }
    }

    /** The position the database holds for this source, read on {@code connection}; null if none. */
    Long storedPosition(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT position FROM " + positionsTable
                + " WHERE name = ?")) {
            select.setString(1, key);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : null;
            }
        }
    }

    @Override
    protected void produce() throws SQLException, InterruptedException {
        lastCommit = scheduler().nanoTime();
        while (!isStopping()) {
            List<Row<T>> rows = retrying(this::poll, "could not query");
            for (Row<T> row : rows) {
                Progress.Entry entry = progress.emitted(row.position);
                if (row.error == null) {
                    emit(row.item, entry);
                } else {
                    reject(row.columns, row.error, entry);
                }
            }
            if (rows.isEmpty() && stopAtEnd) {
                return;
            }
            if (keeper == null && scheduler().nanoTime() - lastCommit >= commitInterval.toNanos()) {
                retrying(this::commit, "could not write its position to");
            }
            if (rows.isEmpty()) {
                scheduler().sleep(pollInterval);
            }
        }
    }

    @Override
    protected void afterEnd() throws SQLException, InterruptedException {
        try {
            if (keeper == null && progress != null) {
                long unsettled = progress.awaitSettled(System.nanoTime() + stopTimeout.toNanos());
                if (unsettled > 0) {
                    LOG.log(System.Logger.Level.WARNING, name() + " stopped with " + unsettled + " rows unsettled after "
                            + stopTimeout + "; the next run reads them again");
                }
                retrying(this::commit, "could not write its position to");
            }
        } finally {
            notReady = "stopped";
            disconnect();
        }
    }

    /** Reads the next rows after the position read so far. */
    private List<Row<T>> poll() throws SQLException {
        if (select == null) {
            select = connection().prepareStatement(query);
        }
        select.setMaxRows(batchSize);
        select.setLong(1, read);
        List<Row<T>> rows = new ArrayList<>();
        long last = read; // read moves only once every row is in: a transient error reads them all again
        try (ResultSet result = select.executeQuery()) {
            while (result.next()) {
                long position = result.getLong(positionColumn);
                if (result.wasNull() || position <= last) {
                    throw new IllegalStateException(name() + "'s query returned a row with "
                            + positionColumn + " " + (result.wasNull() ? "null" : position) + " after " + last
                            + ": it must return the rows whose " + positionColumn + " is greater than its parameter,"
                            + " in increasing order (WHERE " + positionColumn + " > ? ORDER BY " + positionColumn
                            + "): " + query);
                }
                last = position;
                rows.add(row(result, position));
            }
        }
        read = last;
        return rows;
    }

    private Row<T> row(ResultSet result, long position) throws SQLException {
        try {
            return new Row<>(position, Objects.requireNonNull(mapper.map(result), "the mapper returned null"), null, null);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SQLException sqlError && Failure.of(sqlError) == Failure.TRANSIENT) {
                throw sqlError;
            }
            Map<String, Object> columns = new LinkedHashMap<>();
            ResultSetMetaData meta = result.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.put(meta.getColumnLabel(i), result.getObject(i));
            }
            return new Row<>(position, null, columns, new IllegalArgumentException(name() + " could not map the row with "
                    + positionColumn + " " + position + " " + columns + ": " + e.getMessage(), e));
        }
    }

    /** Writes the position of the rows finished, if it moved. */
    private Void commit() throws SQLException {
        lastCommit = scheduler().nanoTime();
        long finished = progress.position();
        if (finished != committed) {
            try (PreparedStatement update = connection().prepareStatement(updatePositionSql())) {
                update.setLong(1, finished);
                update.setString(2, key);
                update.executeUpdate();
            }
            committed = finished;
        }
        return null;
    }

    /** A database call that a lost connection or a transient failure makes the source try again. */
    @FunctionalInterface
    private interface Call<V> {
        V run() throws SQLException;
    }

    private <V> V retrying(Call<V> call, String what) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                V result = call.run();
                notReady = null;
                return result;
            } catch (SQLException e) {
                disconnect();
                if (Failure.of(e) != Failure.TRANSIENT) {
                    throw new SQLException(name() + " " + what + " " + connector.target + ": "
                            + e.getMessage() + " (SQLState " + Failure.sqlState(e) + "); check the query, and the"
                            + " tables it reads: " + query, Failure.sqlState(e), e);
                }
                if (attempt >= retries.maxAttempts()) {
                    throw new SQLException(name() + " " + what + " " + connector.target + " in "
                            + retries.maxAttempts() + " attempt(s), the last failing with: " + e.getMessage() + " (SQLState "
                            + Failure.sqlState(e) + "); check that the database is up and reachable, retries(..) sets"
                            + " how long to keep trying", Failure.sqlState(e), e);
                }
                Duration pause = retries.pauseAfter(attempt);
                notReady = "source '" + name() + "' " + what + " " + connector.target + ": attempt " + attempt + " of "
                        + retries.maxAttempts() + " failed (" + e.getMessage() + ", SQLState " + Failure.sqlState(e)
                        + "); it tries again on a new connection, and fails the pipeline after the last";
                LOG.log(System.Logger.Level.WARNING, notReady);
                scheduler().sleep(pause);
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = connector.open();
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void disconnect() {
        Connector.close(connection);
        connection = null;
        select = null;
    }

    /** A row read: its position, and the item made of it, or its columns and why no item could be. */
    private record Row<T>(long position, T item, Map<String, Object> columns, Exception error) {
    }

    /**
     * Makes an item of a row of the query's result.
     *
     * <pre>{@code
     * JdbcSource.RowMapper<Order> mapper = row -> new Order(row.getLong("id"), row.getString("customer"));
     * }</pre>
     *
     * @param <T> the type of items
     */
    @FunctionalInterface
    public interface RowMapper<T> {

        /**
         * Reads the current row; do not move the result set.
         *
         * @param row the result set, on the row to read
         * @return the item, not null
         * @throws SQLException if a column cannot be read; the row goes to the error policy
         */
        T map(ResultSet row) throws SQLException;
    }

    /**
     * Builds a {@link JdbcSource}. The item type is the one of the {@link #mapper}: write the
     * lambda's parameter type, as in {@code mapper((ResultSet row) -> ..)}, or use a method
     * reference; go on with the builder it returns.
     *
     * @param <T> the type of items
     */
    public static final class Builder<T> {
        private final Connector connector;
        private String query;
        private String positionColumn;
        private RowMapper<? extends T> mapper;
        private String name;
        private String positionsTable = "nanostream_positions";
        private long startAfter = Long.MIN_VALUE;
        private int batchSize = 500;
        private Duration pollInterval = Duration.ofMillis(500);
        private Duration commitInterval = Duration.ofSeconds(1);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private boolean stopAtEnd;
        private Retries retries = Retries.DEFAULT;
        private final Settings given = new Settings();

        private Builder(Connector connector) {
            this.connector = connector;
        }

        /**
         * Sets the query that reads the rows after a position, and the column that holds each
         * row's position: a {@code BIGINT} (or narrower integer) that increases from row to row.
         * The query has one {@code ?} parameter, the position read so far, and returns the rows
         * after it in increasing order: {@code SELECT ... WHERE id > ? ORDER BY id}.
         *
         * @param query the query
         * @param positionColumn the column of the result holding the position
         * @return this builder
         * @throws NullPointerException if an argument is null
         * @throws IllegalStateException if a query was already given
         */
        public Builder<T> query(String query, String positionColumn) {
            Objects.requireNonNull(positionColumn, "positionColumn must not be null");
            this.query = given.once("query", query);
            this.positionColumn = positionColumn;
            return this;
        }

        /**
         * Sets how a row becomes an item.
         *
         * @param mapper makes an item of a row
         * @param <U> the type of items
         * @return this builder, now of items of type {@code U}
         * @throws NullPointerException if mapper is null
         * @throws IllegalStateException if a mapper was already given
         */
        public <U> Builder<U> mapper(RowMapper<? extends U> mapper) {
            Builder<U> typed = ofItems();
            typed.mapper = given.once("mapper", mapper);
            return typed;
        }

        /** This builder as one of items of type {@code U}: safe while the mapper is not given. */
        @SuppressWarnings("unchecked")
        private <U> Builder<U> ofItems() {
            return (Builder<U>) this;
        }

        /**
         * Names the source, and the row its position is kept in: required, and unique among the
         * sources that keep their positions in one table.
         *
         * @param name the name, at most 200 characters
         * @return this builder
         * @throws NullPointerException if name is null
         * @throws IllegalArgumentException if name is empty or longer than 200 characters
         * @throws IllegalStateException if a name was already given
         */
        public Builder<T> named(String name) {
            Objects.requireNonNull(name, "name must not be null");
            if (name.isEmpty() || name.length() > 200) {
                throw new IllegalArgumentException("a source's name is 1 to 200 characters: '" + name + "'");
            }
            this.name = given.once("named", name);
            return this;
        }

        /**
         * Sets the table the position is kept in (default {@code nanostream_positions}), created
         * if missing with the columns {@code name VARCHAR(200) PRIMARY KEY} and
         * {@code position BIGINT NOT NULL}.
         *
         * @param table the table, optionally with its schema
         * @return this builder
         * @throws NullPointerException if table is null
         * @throws IllegalArgumentException if table is not a plain SQL name
         * @throws IllegalStateException if a table was already given
         */
        public Builder<T> positionsTable(String table) {
            Objects.requireNonNull(table, "table must not be null");
            if (!NAME.matcher(table).matches()) {
                throw new IllegalArgumentException("the positions table must be a plain name, or schema.name: " + table);
            }
            this.positionsTable = given.once("positionsTable", table);
            return this;
        }

        /**
         * Sets the position a source without a stored one starts after (default
         * {@link Long#MIN_VALUE}: every row).
         *
         * @param position the position; rows whose position is greater are read
         * @return this builder
         * @throws IllegalStateException if a start was already given
         */
        public Builder<T> startAfter(long position) {
            this.startAfter = given.once("startAfter", position);
            return this;
        }

        /**
         * Sets how many rows a query reads at most (default 500), which is the source's buffer
         * size too.
         *
         * @param rows the number of rows
         * @return this builder
         * @throws IllegalArgumentException if rows is not positive
         * @throws IllegalStateException if a batch size was already given
         */
        public Builder<T> batchSize(int rows) {
            if (rows <= 0) {
                throw new IllegalArgumentException("batchSize must be positive: " + rows);
            }
            this.batchSize = given.once("batchSize", rows);
            return this;
        }

        /**
         * Sets how long the source waits after a query that found no rows (default 500 ms).
         *
         * @param interval the wait
         * @return this builder
         * @throws NullPointerException if interval is null
         * @throws IllegalArgumentException if interval is not positive
         * @throws IllegalStateException if an interval was already given
         */
        public Builder<T> pollInterval(Duration interval) {
            this.pollInterval = given.once("pollInterval", positive(interval, "pollInterval"));
            return this;
        }

        /**
         * Sets how often the position is written (default every second), by the source or by the
         * sink that keeps it.
         *
         * @param interval the interval
         * @return this builder
         * @throws NullPointerException if interval is null
         * @throws IllegalArgumentException if interval is not positive
         * @throws IllegalStateException if an interval was already given
         */
        public Builder<T> commitInterval(Duration interval) {
            this.commitInterval = given.once("commitInterval", positive(interval, "commitInterval"));
            return this;
        }

        /**
         * Sets how long a stopping source waits for the rows in the pipeline to finish before it
         * writes its last position (default 30 seconds).
         *
         * @param timeout the wait
         * @return this builder
         * @throws NullPointerException if timeout is null
         * @throws IllegalArgumentException if timeout is not positive
         * @throws IllegalStateException if a timeout was already given
         */
        public Builder<T> stopTimeout(Duration timeout) {
            this.stopTimeout = given.once("stopTimeout", positive(timeout, "stopTimeout"));
            return this;
        }

        /**
         * Makes the source complete at the first query that finds no rows, instead of waiting for
         * more: for a batch job over what the table holds.
         *
         * @return this builder
         * @throws IllegalStateException if called twice
         */
        public Builder<T> stopAtEnd() {
            this.stopAtEnd = given.once("stopAtEnd", Boolean.TRUE);
            return this;
        }

        /**
         * Sets how often a query or position write is tried when the connection fails or the
         * database reports a transient failure (default 10 attempts), and the pause after the
         * first failure (default 100 ms), doubled after each further one up to 5 seconds (or
         * to the first pause, if longer).
         *
         * @param maxAttempts attempts per call, the first included
         * @param firstBackoff the first pause
         * @return this builder
         * @throws NullPointerException if firstBackoff is null
         * @throws IllegalArgumentException if maxAttempts is not positive or firstBackoff is
         *     negative
         * @throws IllegalStateException if retries were already given
         */
        public Builder<T> retries(int maxAttempts, Duration firstBackoff) {
            this.retries = given.once("retries", new Retries(maxAttempts, firstBackoff));
            return this;
        }

        private static Duration positive(Duration duration, String what) {
            Objects.requireNonNull(duration, what + " must not be null");
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + duration);
            }
            return duration;
        }

        /**
         * Builds the source. It connects when its pipeline starts.
         *
         * @return a new source
         * @throws IllegalStateException if query(..), mapper(..) or named(..) was not called
         */
        public JdbcSource<T> build() {
            if (query == null) {
                throw new IllegalStateException("no query to read rows with: call query(\"SELECT ... WHERE id > ?"
                        + " ORDER BY id\", \"id\")");
            }
            if (mapper == null) {
                throw new IllegalStateException("no way to make items of rows: call mapper(...)");
            }
            if (name == null) {
                throw new IllegalStateException("a JdbcSource keeps its position under its name: call named(...)");
            }
            return new JdbcSource<>(this);
        }
    }
}
