package io.nanostream.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A data source whose connections lose themselves at chosen moments, throwing what a driver
 * throws for a connection gone and closing the connection: at chosen commits, counted over all
 * connections from 1 (after the database committed, so that the answer is lost and not the
 * transaction, or before), or at a chosen row of the first result that has it.
 */
final class LosingConnections extends TestDataSource {
    private final String url;
    private final Set<Integer> landing;
    private final Set<Integer> notLanding;
    private final int atRow;
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicBoolean rowLost = new AtomicBoolean();
    private final AtomicInteger lost = new AtomicInteger();

    private LosingConnections(String url, Set<Integer> landing, Set<Integer> notLanding, int atRow) {
        this.url = url;
        this.landing = landing;
        this.notLanding = notLanding;
        this.atRow = atRow;
    }

    /** Loses the connection at the commits numbered in {@code landing} once committed, in {@code notLanding} before. */
    static LosingConnections atCommits(String url, Set<Integer> landing, Set<Integer> notLanding) {
        return new LosingConnections(url, landing, notLanding, 0);
    }

    /** Loses the connection as the first result with that many rows moves to its row numbered {@code row}, from 1. */
    static LosingConnections atRow(String url, int row) {
        return new LosingConnections(url, Set.of(), Set.of(), row);
    }

    /** How many times a connection was lost so far. */
    int lost() {
        return lost.get();
    }

    private SQLException lose(Connection real, String when) throws SQLException {
        real.close();
        lost.incrementAndGet();
        return new SQLRecoverableException("the connection was lost " + when + " (the test's data source)", "08006");
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection real = DriverManager.getConnection(url);
        return proxy(Connection.class, real, (method, args) -> {
            if (method.getName().equals("commit")) {
                int number = commits.incrementAndGet();
                if (landing.contains(number) || notLanding.contains(number)) {
                    if (landing.contains(number)) {
                        real.commit();
                    }
                    throw lose(real, "during commit " + number);
                }
            }
            Object result = method.invoke(real, args);
            return result instanceof PreparedStatement statement ? statement(real, statement) : result;
        });
    }

    private PreparedStatement statement(Connection connection, PreparedStatement real) {
        return proxy(PreparedStatement.class, real, (method, args) -> {
            Object result = method.invoke(real, args);
            if (result instanceof ResultSet rows && atRow > 0) {
                int[] row = {0};
                return proxy(ResultSet.class, rows, (next, nextArgs) -> {
                    if (next.getName().equals("next") && ++row[0] == atRow && !rowLost.getAndSet(true)) {
                        throw lose(connection, "at row " + atRow + " of a result");
                    }
                    return next.invoke(rows, nextArgs);
                });
            }
            return result;
        });
    }

    /** What a proxy does with a call; the real object's exceptions come out unwrapped. */
    @FunctionalInterface
    private interface Call {
        Object handle(Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, T real, Call call) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            try {
                return call.handle(method, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }
}
