package io.nanostream.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;

/** Connecting a source or sink to NATS, and what its health says while the connection is down. */
final class NatsConnection {

    private static final System.Logger LOG = System.getLogger(NatsConnection.class.getName());

    /** Opens a connection; tests give one that fails. */
    @FunctionalInterface
    interface Connector {
        Connection connect(Options options) throws IOException, InterruptedException;
    }

    /** The connector of the builders: {@link Nats#connect(Options)}. */
    static final Connector NATS = Nats::connect;

    private NatsConnection() {
    }

    /**
     * Why a node cannot work now: its connection is not connected (the client reconnects on its
     * own), else {@code otherwise}.
     */
    static String notReady(Connection connection, String node, String otherwise) {
        if (connection == null) {
            return otherwise;
        }
        Connection.Status status = connection.getStatus();
        return status == Connection.Status.CONNECTED ? otherwise
                : node + " is not connected to NATS (" + status.name().toLowerCase(java.util.Locale.ROOT)
                        + "); the client reconnects on its own";
    }

    /** Checks that {@code stream} exists, failing with a message that says what to do. */
    static void requireStream(Connection connection, String stream, String node) throws IOException {
        try {
            JetStreamManagement management = connection.jetStreamManagement();
            management.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            throw new IOException(node + " cannot use JetStream stream '" + stream + "': " + e.getMessage()
                    + "; create it first (nats stream add, or JetStreamManagement.addStream)", e);
        }
    }

    /** Closes the connection, draining what it still sends; a failure is only logged. */
    static void close(Connection connection, String name) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + " closing its connection: " + e);
        }
    }
}
