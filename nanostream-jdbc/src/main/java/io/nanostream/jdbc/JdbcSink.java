package io.nanostream.jdbc;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Held;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Scheduler;
import io.nanostream.flow.internal.Settings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Writes items to a database through JDBC, in batches, one transaction per batch, and
 * acknowledges each item only once the transaction that wrote it has committed: a Kafka to
 * database pipeline is at-least-once end to end. After a crash some items are written again, so
 * write an upsert ({@code INSERT ... ON CONFLICT ... DO UPDATE} in PostgreSQL,
 * {@code ... ON DUPLICATE KEY UPDATE} in MariaDB and MySQL, {@code MERGE INTO ... KEY (..)} in
 * H2) and the second write lands on the first.
 *
 * <p><b>Results computed again.</b> A result that a replay may compute again from only part of
 * its inputs (an event-time window some of whose items were committed before a crash) must not
 * overwrite its first write: write it first-write-wins instead, keyed by what it is the result
 * of ({@code ... ON CONFLICT (key, window_start) DO NOTHING} in PostgreSQL,
 * {@code ... ON DUPLICATE KEY UPDATE key = key} in MariaDB and MySQL, {@code MERGE ... WHEN NOT
 * MATCHED THEN INSERT} in H2); a write left out counts as written. {@code docs/GUARANTEES.md}
 * says why the first write is the whole result.
 *
 * <p><b>Batches.</b> The sink collects items until {@code batchSize} of them wait or the oldest
 * has waited {@code maxWait}, binds each to the statement with the {@link Binder}, executes the
 * batch and commits. It keeps one connection open from start to end and requests two batches'
 * worth of items ahead; while a batch is being written, the pipeline upstream waits.
 *
 * <p><b>Failures.</b> What goes wrong is told apart by the exception's SQLState:
 * <ul>
 * <li>An item the binder throws on, or a row the database refuses (SQLState class 22, data,
 *     or 23, constraint: a value too long, a null in a {@code NOT NULL} column) goes to the
 *     sink's {@linkplain #withErrorPolicy error policy}, alone. To find it, the sink rolls the
 *     batch back and writes its items again one at a time, each in a transaction of its own.
 *     With the default policy the pipeline fails, naming this sink, the item and the database's
 *     message; with {@code skip()} or {@code deadLetter(..)} the other items are written.
 * <li>A lost connection or a transient failure (SQLState class 08, 40 such as a deadlock, 53,
 *     57; {@link java.sql.SQLTransientException}, {@link java.sql.SQLRecoverableException})
 *     makes the sink roll back, reconnect and write the whole batch again, up to
 *     {@link Builder#retries retries} times with growing pauses. If the last attempt fails too,
 *     the pipeline fails and the batch is not acknowledged, so a Kafka source reads it again.
 * <li>Anything else, such as a statement that names a missing table or a failed login, is a
 *     mistake no retry mends: the pipeline fails at once, naming the statement.
 * </ul>
 * The last two fail the pipeline whatever the error policy says: the items are not at fault, and
 * skipping them would lose them.
 *
 * <p><b>Positions of a {@link JdbcSource}.</b> Built with {@link Builder#positionsOf}, the sink
 * writes the source's position in each of its transactions, beside the rows: it releases a
 * batch's items just before the commit, so that the position covers them, and writes the
 * position alone when rows finished without reaching it (filtered out). After a crash the rows
 * and the position in the database are of the same moment, and nothing is written twice; a
 * commit whose answer is lost with the connection is looked up by that position once connected
 * again, and written again only if it did not land (or if it did not move the position, its rows
 * waiting on an earlier one still in flight: then it cannot be told, and they may be twice).
 * Items that derive from another source too are released after the commit, at least once. A
 * commit refused for a reason other than a lost connection (a constraint checked at commit)
 * fails the pipeline whatever the error policy: its rows' positions are handed over already, so
 * none of them can go to the policy alone.
 * The sink connects in {@code onStart}, so a wrong URL or password fails the pipeline as it
 * starts.
 *
 * <pre>{@code
 * JdbcSink<Total> sink = JdbcSink.builder("jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
 *         .sql("INSERT INTO totals (customer, amount) VALUES (?, ?)"
 *                 + " ON CONFLICT (customer) DO UPDATE SET amount = EXCLUDED.amount")
 *         .binder((PreparedStatement statement, Total total) -> {
 *             statement.setString(1, total.customer());
 *             statement.setLong(2, total.amount());
 *         })
 *         .batchSize(500)
 *         .maxWait(Duration.ofMillis(100))
 *         .build();
 * totals.subscribe(sink);
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class JdbcSink<T> extends AbstractSink<T> {

    /*
     * Everything here runs on the sink's own serialized hooks (consume, onEndOfInput, the
     * maxWait timer through schedule), so the fields need no locking.
     */

    private static final System.Logger LOG = System.getLogger("io.nanostream.jdbc");

    private final Connector connector;
    private final String target;
    private final String sql;
    private final Binder<? super T> binder;
    private final int batchSize;
    private final Duration maxWait;
    private final Retries retries;
    /** The position of the source this sink writes in its own transactions, or null. */
    private final KeptPosition kept;

    private final List<Pending<T>> batch = new ArrayList<>();
    private Scheduler.Task timer;
    private long batchNumber;
    private Connection connection;
    private PreparedStatement statement;
    /**
     * The rows of a transaction whose commit lost its connection before the database answered,
     * having moved the kept position: the database may have committed it; the position stored
     * tells, once connected again. Null when no commit is in doubt.
     */
    private List<Pending<T>> inDoubt;
    /** While the sink retries a connection or a batch: what failed, for {@link #notReadyReason()}; else null. */
    private volatile String retrying;

    private JdbcSink(Builder<T> builder) {
        super(builder.name, 2 * builder.batchSize);
        this.connector = builder.connector;
        this.target = builder.connector.target;
        this.sql = builder.sql;
        this.binder = builder.binder;
        this.batchSize = builder.batchSize;
        this.maxWait = builder.maxWait;
        this.retries = builder.retries;
        this.kept = builder.positionsOf == null ? null : new KeptPosition(builder.positionsOf);
    }

    /**
     * Starts building a sink that connects with {@link java.sql.DriverManager#getConnection(String)}: the
     * driver must be on the class path, and the URL carries the user and password if any
     * ({@code jdbc:mariadb://127.0.0.1:3306/test?user=root&password=}).
     *
     * @param jdbcUrl the JDBC URL
     * @return a builder, of items of any type until {@link Builder#binder} says which
     * @throws NullPointerException if jdbcUrl is null
     * @throws IllegalArgumentException if jdbcUrl does not start with {@code jdbc:}
     */
    public static Builder<Object> builder(String jdbcUrl) {
        return new Builder<>(Connector.of(jdbcUrl));
    }

    /**
     * Starts building a sink that takes its connection from a {@link DataSource}, pooled or not.
     *
     * @param dataSource where connections come from
     * @return a builder, of items of any type until {@link Builder#binder} says which
     * @throws NullPointerException if dataSource is null
     */
    public static Builder<Object> builder(DataSource dataSource) {
        return new Builder<>(Connector.of(dataSource));
    }

    @Override
    protected void onStart() throws InterruptedException {
        for (int attempt = 1; statement == null; attempt++) {
            try {
                statement();
            } catch (SQLException e) { // transient: statement() fails the pipeline on any other
                pauseOrGiveUp(attempt, e);
            }
        }
        retrying = null;
        if (kept != null) {
            schedule(kept.source().commitInterval(), this::keepPositionOnTimer);
        }
    }

    /**
     * Says that this sink is not ready while it retries a lost connection or a transient failure:
     * which attempt failed, and with what.
     *
     * @return the reason, or null when the last write or connection succeeded
     */
    @Override
    protected String notReadyReason() {
        return retrying;
    }

    @Override
    protected void consume(T item) throws InterruptedException {
        if (batch.size() >= batchSize) {
            flush(); // full, and its write not yet come: see below
        }
        batch.add(new Pending<>(item, holdInput()));
        if (batch.size() == 1) {
            long number = batchNumber;
            timer = schedule(maxWait, () -> flushOnTimer(number));
        }
        if (batch.size() >= batchSize) {
            if (kept == null) {
                flush();
            } else {
                // The item being consumed finishes only once consume returns, too late for the
                // position written with the batch: write it right after.
                timer.cancel();
                long number = batchNumber;
                timer = schedule(Duration.ZERO, () -> flushOnTimer(number));
            }
        }
    }

    @Override
    protected void onEndOfInput() throws InterruptedException {
        flush();
        if (kept != null && kept.behind()) {
            write(new ArrayList<>()); // what finished after the last batch: filtered out, dead-lettered
        }
        disconnect();
    }

    @Override
    protected void onFailure(Throwable error) {
        disconnect();
    }

    private void flushOnTimer(long number) {
        if (number != batchNumber) {
            return; // that batch was full, and written, before its time ran out
        }
        uninterrupted(this::flush);
    }

    /**
     * Writes the source's position alone when items finished without a batch to carry it (they
     * were filtered out, or are in a batch still waiting), then looks again after the source's
     * commit interval.
     */
    private void keepPositionOnTimer() {
        if (batch.isEmpty() && kept.behind()) {
            uninterrupted(() -> write(new ArrayList<>()));
        }
        schedule(kept.source().commitInterval(), this::keepPositionOnTimer);
    }

    /** A write that may wait. */
    @FunctionalInterface
    private interface Wait {
        void run() throws InterruptedException;
    }

    private void uninterrupted(Wait write) {
        try {
            write.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name() + " was interrupted while writing a batch", e);
        }
    }

    private void flush() throws InterruptedException {
        batchNumber++;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Pending<T>> pending = new ArrayList<>(batch);
        batch.clear();
        write(pending);
    }

    /**
     * Writes the items, settling each: released once committed, or given to the error policy.
     *
     * @throws PipelineException when the failure is not the items': they fail with the pipeline
     */
    private void write(List<Pending<T>> pending) throws InterruptedException {
        boolean oneByOne = false;
        int attempt = 1;
        while (true) {
            try {
                if (inDoubt != null && committedAfterAll(pending)) {
                    return;
                }
                if (oneByOne) {
                    writeEach(pending);
                } else {
                    writeBatch(pending);
                }
                retrying = null;
                return;
            } catch (SQLException e) {
                rollback();
                switch (Failure.of(e)) {
                    case ITEM -> oneByOne = true; // find the rows the database refuses
                    case TRANSIENT -> {
                        disconnect();
                        pauseOrGiveUp(attempt++, e);
                    }
                    default -> throw refused("refused the statement on", e);
                }
            }
        }
    }

    private void writeBatch(List<Pending<T>> pending) throws SQLException {
        PreparedStatement prepared = statement();
        for (Iterator<Pending<T>> it = pending.iterator(); it.hasNext(); ) {
            Pending<T> next = it.next();
            try {
                binder.bind(prepared, next.item);
                prepared.addBatch();
            } catch (SQLException | RuntimeException e) {
                if (e instanceof SQLException sqlError && Failure.of(sqlError) != Failure.ITEM) {
                    throw sqlError;
                }
                prepared.clearParameters();
                it.remove();
                settleFailed(next.input, next.item, e);
            }
        }
        if (!pending.isEmpty()) {
            prepared.executeBatch();
        }
        commit(pending);
        pending.clear();
    }

    /**
     * Commits the open transaction and releases the items it wrote. A sink that keeps a source's
     * positions releases the items of that source first, which tells the source at once (delivery
     * callbacks run on the thread that releases), and writes the position they finish in the same
     * transaction: the rows and the position commit together or not at all. Items that derive from
     * another source too are released after the commit, as without positions, so that no other
     * source hears of a row before it is committed. A release cannot be taken back, so if
     * the commit fails the batch is written again, releasing nothing twice, when the failure is
     * transient; otherwise the pipeline fails: rows refused at commit (a constraint checked there)
     * can no longer be told apart and given to the error policy one by one, since the position
     * written with any one of them would cover the others.
     */
    private void commit(List<Pending<T>> written) throws SQLException {
        if (kept == null) {
            connection.commit();
            written.forEach(item -> item.input.release());
            return;
        }
        List<Pending<T>> others = new ArrayList<>();
        for (Pending<T> item : written) {
            if (kept.onlyFrom(item.input)) {
                item.input.release();
            } else {
                others.add(item);
            }
        }
        try {
            if (!kept.write(connection)) {
                throw pipelineFailure(new IllegalStateException(name() + " keeps the positions of source '"
                        + kept.source().key() + "' but finds no row for it in " + kept.source().positionsTable() + " of "
                        + target + ": write to the database the source reads from, or build the sink without positionsOf(..)"));
            }
            inDoubt = kept.moves() ? List.copyOf(written) : null;
            connection.commit();
            inDoubt = null;
        } catch (SQLException e) {
            if (Failure.of(e) == Failure.TRANSIENT) {
                throw e;
            }
            inDoubt = null;
            throw pipelineFailure(new SQLException(name() + " keeps the positions of source '" + kept.source().key()
                    + "' and " + target + " refused the commit of " + written.size() + " row(s) with its position: "
                    + e.getMessage() + " (SQLState " + Failure.sqlState(e) + "). Nothing of that transaction is"
                    + " written, and a restart reads its rows again; a constraint checked at commit (DEFERRABLE"
                    + " INITIALLY DEFERRED) cannot send one row to the error policy here: make it immediate, so"
                    + " that the rows it refuses go to the error policy, or build the sink without positionsOf(..)",
                    Failure.sqlState(e), e));
        }
        kept.committed();
        others.forEach(item -> item.input.release());
    }

    /**
     * Settles a commit in doubt on a new connection: if the database holds the position that
     * transaction wrote, it committed, and its rows leave {@code pending}; otherwise they are
     * written again.
     *
     * @return whether nothing of {@code pending} is left to write
     */
    private boolean committedAfterAll(List<Pending<T>> pending) throws SQLException {
        statement();
        boolean landed;
        try {
            landed = kept.landed(connection);
        } catch (SQLException e) {
            throw retryable("could not read back the position of source '" + kept.source().key() + "' from", e);
        }
        if (landed) {
            int rows = inDoubt.size();
            LOG.log(System.Logger.Level.INFO, () -> name() + ": the commit whose answer was lost with the connection"
                    + " went through (" + target + " holds the position it wrote): its " + rows
                    + " row(s) are not written again");
            pending.removeAll(inDoubt);
            inDoubt.forEach(item -> item.input.release()); // those of other sources too, now it is committed
        }
        inDoubt = null;
        if (landed && pending.isEmpty()) {
            retrying = null;
            return true;
        }
        return false; // what is left, or the position alone if the commit did not land, is written again
    }

    private void writeEach(List<Pending<T>> pending) throws SQLException {
        for (Iterator<Pending<T>> it = pending.iterator(); it.hasNext(); ) {
            Pending<T> next = it.next();
            PreparedStatement prepared = statement();
            Exception refused;
            try {
                binder.bind(prepared, next.item);
                prepared.executeUpdate();
                commit(List.of(next));
                it.remove();
                continue;
            } catch (SQLException e) {
                if (Failure.of(e) != Failure.ITEM) {
                    throw e;
                }
                refused = e;
            } catch (PipelineException e) {
                throw e;
            } catch (RuntimeException e) {
                refused = e;
            }
            rollback();
            prepared.clearParameters();
            it.remove();
            settleFailed(next.input, next.item, refused);
        }
    }

    private void pauseOrGiveUp(int attempt, SQLException e) throws InterruptedException {
        if (attempt >= retries.maxAttempts()) {
            throw pipelineFailure(new SQLException(name() + " could not write to " + target + " in " + retries.maxAttempts()
                    + " attempt(s), the last failing with: " + e.getMessage() + " (SQLState " + Failure.sqlState(e)
                    + "); check that the database is up and reachable, retries(..) sets how long to keep trying",
                    Failure.sqlState(e), e));
        }
        Duration pause = retries.pauseAfter(attempt);
        retrying = "sink '" + name() + "' cannot write to " + target + ": attempt " + attempt + " of " + retries.maxAttempts()
                + " failed (" + e.getMessage() + ", SQLState " + Failure.sqlState(e) + "); it tries again on a new"
                + " connection, and fails the pipeline after the last";
        LOG.log(System.Logger.Level.WARNING, () -> name() + ": attempt " + attempt + " of " + retries.maxAttempts() + " to write to "
                + target + " failed (" + e.getMessage() + ", SQLState " + Failure.sqlState(e) + "); trying again in "
                + pause.toMillis() + " ms on a new connection");
        scheduler().sleep(pause);
    }

    /** A failure of the statement itself, which no retry mends: it fails the pipeline. */
    private PipelineException refused(String what, SQLException e) {
        return pipelineFailure(new SQLException(name() + " " + what + " " + target + ": " + e.getMessage()
                + " (SQLState " + Failure.sqlState(e) + "); check the statement, and the table it writes: " + sql,
                Failure.sqlState(e), e));
    }

    /**
     * Returns a transient failure, to try again; fails the pipeline on any other, which no row is
     * at fault for.
     */
    private SQLException retryable(String what, SQLException e) {
        if (Failure.of(e) == Failure.TRANSIENT) {
            return e;
        }
        throw refused(what, e);
    }

    /**
     * The statement, on a connection opened if there is none.
     *
     * @throws SQLException a transient failure, to try again
     * @throws PipelineException any other failure: no row is at fault
     */
    private PreparedStatement statement() throws SQLException {
        if (statement == null) {
            try {
                if (connection == null) {
                    connection = connector.open();
                    connection.setAutoCommit(false);
                }
                statement = connection.prepareStatement(sql);
            } catch (SQLException e) {
                disconnect();
                throw retryable("could not connect to or prepare the statement on", e);
            }
        }
        return statement;
    }

    private void rollback() {
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException e) {
                disconnect(); // a connection that cannot roll back is not used again
            }
        }
    }

    private void disconnect() {
        Connector.close(connection);
        connection = null;
        statement = null;
        if (kept != null) {
            kept.disconnected();
        }
    }

    /**
     * Binds an item to the sink's statement: sets each of its parameters.
     *
     * <pre>{@code
     * JdbcSink.Binder<Order> binder = (statement, order) -> {
     *     statement.setString(1, order.id());
     *     statement.setBigDecimal(2, order.total());
     * };
     * }</pre>
     *
     * @param <T> the type of items
     */
    @FunctionalInterface
    public interface Binder<T> {

        /**
         * Sets the parameters of {@code statement} from {@code item}; do not execute it.
         *
         * @param statement the prepared statement
         * @param item the item
         * @throws SQLException if a parameter cannot be set; the item goes to the error policy
         */
        void bind(PreparedStatement statement, T item) throws SQLException;
    }

    /** An item taken and not yet written, with its held input. */
    private record Pending<T>(T item, Held input) {
    }

    /**
     * Builds a {@link JdbcSink}. The item type is the one of the {@link #binder}: write the
     * lambda's parameter types, as in {@code binder((PreparedStatement statement, Total total) -> ..)},
     * or use a method reference; go on with the builder it returns, whose type says what the sink
     * takes.
     *
     * @param <T> the type of items
     */
    public static final class Builder<T> {
        private final Connector connector;
        private String sql;
        private Binder<? super T> binder;
        private String name = "JdbcSink";
        private int batchSize = 500;
        private Duration maxWait = Duration.ofMillis(200);
        private Retries retries = Retries.DEFAULT;
        private JdbcSource<?> positionsOf;

        private ErrorPolicy errorPolicy;
        private final Settings given = new Settings();

        private Builder(Connector connector) {
            this.connector = connector;
        }

        /**
         * Sets the statement each item is written with, with {@code ?} parameters; an upsert
         * makes writing an item again harmless, a first-write-wins statement keeps a result
         * computed again in part from overwriting the whole (see the class description).
         *
         * @param sql the statement
         * @return this builder
         * @throws NullPointerException if sql is null
         * @throws IllegalStateException if a statement was already given
         */
        public Builder<T> sql(String sql) {
            this.sql = given.once("sql", sql);
            return this;
        }

        /**
         * Sets how an item's values become the statement's parameters.
         *
         * @param binder sets the parameters for an item
         * @param <U> the type of items
         * @return this builder, now of items of type {@code U}
         * @throws NullPointerException if binder is null
         * @throws IllegalStateException if a binder was already given
         */
        public <U> Builder<U> binder(Binder<? super U> binder) {
            Builder<U> typed = ofItems();
            typed.binder = given.once("binder", binder);
            return typed;
        }

        /**
         * This builder as one of items of type {@code U}: safe while the binder is not given,
         * since nothing else here depends on the item type.
         */
        @SuppressWarnings("unchecked")
        private <U> Builder<U> ofItems() {
            return (Builder<U>) this;
        }

        /**
         * Names the sink (default {@code JdbcSink}), as {@link AbstractSink#named} names a sink.
         *
         * @param name the name
         * @return this builder
         * @throws NullPointerException if name is null
         * @throws IllegalStateException if a name was already given
         */
        public Builder<T> named(String name) {
            this.name = given.once("named", name);
            return this;
        }

        /**
         * Sets what the sink does with an item the database refuses (a constraint, a bad value),
         * as {@link AbstractSink#withErrorPolicy} does (default: fail the pipeline).
         *
         * @param policy the policy
         * @return this builder
         * @throws NullPointerException if policy is null
         * @throws IllegalStateException if a policy was already given
         */
        public Builder<T> withErrorPolicy(ErrorPolicy policy) {
            this.errorPolicy = given.once("withErrorPolicy", policy);
            return this;
        }

        /**
         * Sets how many items a batch holds at most (default 500).
         *
         * @param batchSize the size
         * @return this builder
         * @throws IllegalArgumentException if batchSize is not positive
         * @throws IllegalStateException if a batch size was already given
         */
        public Builder<T> batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
            }
            this.batchSize = given.once("batchSize", batchSize);
            return this;
        }

        /**
         * Sets how long the first item of a batch waits for the batch to fill before the batch
         * is written anyway (default 200 ms); zero writes whatever has arrived as soon as the
         * sink gets to it.
         *
         * @param maxWait the wait
         * @return this builder
         * @throws NullPointerException if maxWait is null
         * @throws IllegalArgumentException if maxWait is negative
         * @throws IllegalStateException if maxWait was already given
         */
        public Builder<T> maxWait(Duration maxWait) {
            Objects.requireNonNull(maxWait, "maxWait must not be null");
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
            }
            this.maxWait = given.once("maxWait", maxWait);
            return this;
        }

        /**
         * Sets how often a batch is tried when the connection fails or the database reports a
         * transient failure (default 10 attempts), and the pause after the first failure
         * (default 100 ms), doubled after each further one up to 5 seconds (or
         * to the first pause, if longer).
         *
         * @param maxAttempts attempts per batch, the first included
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

        /**
         * Makes this sink keep {@code source}'s positions: in each of its transactions it writes,
         * beside the rows, how far the source has finished, and the source writes no position of
         * its own. After a crash the database holds rows and position of the same moment, so the
         * source resumes right after the last row whose results committed: nothing is written
         * twice, whatever the statement. The sink must write to the database the source reads
         * from, and be the only sink the source's rows reach; see {@link JdbcSource} for the
         * pipelines this is exact for.
         *
         * <pre>{@code
         * orders.subscribe(totals);
         * totals.subscribe(JdbcSink.builder(url).sql(insert).binder(binder).positionsOf(orders).build());
         * }</pre>
         *
         * @param source the source, reading from this sink's database
         * @return this builder
         * @throws NullPointerException if source is null
         * @throws IllegalStateException if a source was already given
         */
        public Builder<T> positionsOf(JdbcSource<?> source) {
            this.positionsOf = given.once("positionsOf", source);
            return this;
        }

        /**
         * Builds the sink. It connects when its pipeline starts.
         *
         * @return a new sink
         * @throws IllegalStateException if sql(..) or binder(..) was not called, or the source
         *     given to positionsOf(..) has its positions kept by another sink already
         */
        public JdbcSink<T> build() {
            if (sql == null) {
                throw new IllegalStateException("no statement to write with: call sql(...)");
            }
            if (binder == null) {
                throw new IllegalStateException("no way to bind items to the statement: call binder(...)");
            }
            JdbcSink<T> sink = new JdbcSink<>(this);
            if (positionsOf != null) {
                positionsOf.keptBy(sink.name());
            }
            if (errorPolicy != null) {
                sink.withErrorPolicy(errorPolicy);
            }
            return sink;
        }
    }
}
