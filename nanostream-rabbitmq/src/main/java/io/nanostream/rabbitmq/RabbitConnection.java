package io.nanostream.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The connection and channel of a source or sink, recovered by the client after a loss, and what
 * the node's health says meanwhile.
 */
final class RabbitConnection {

    private static final System.Logger LOG = System.getLogger(RabbitConnection.class.getName());

    /** Opens a connection; tests give one that fails. */
    @FunctionalInterface
    interface Connector {
        Connection connect(ConnectionFactory factory, String name) throws IOException, TimeoutException;
    }

    final Connection connection;
    final Channel channel;
    private volatile String lost;

    /**
     * Connects with automatic recovery on, and opens a channel.
     *
     * @param node the node, as health reasons name it: {@code "source 'orders'"}
     * @param afterLoss what happens once the connection is back, for the reason
     * @param recovered what to do once it is back, on the client's thread
     */
    RabbitConnection(ConnectionFactory factory, Connector connector, String name, String node, String afterLoss,
            Runnable recovered) throws IOException, TimeoutException {
        factory.setAutomaticRecoveryEnabled(true);
        connection = connector.connect(factory, name);
        try {
            channel = connection.createChannel();
        } catch (IOException | RuntimeException e) {
            connection.abort();
            throw e;
        }
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication()) {
                lost = node + " lost its connection to RabbitMQ (" + cause.getMessage() + "); reconnecting, " + afterLoss;
                LOG.log(System.Logger.Level.WARNING, () -> lost);
            }
        });
        if (connection instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable done) {
                    lost = null;
                    LOG.log(System.Logger.Level.INFO, () -> node + " reconnected to RabbitMQ");
                    recovered.run();
                }

                @Override
                public void handleRecoveryStarted(Recoverable recovering) {
                    // the shutdown listener said it already
                }
            });
        }
    }

    /** Why a node cannot work now: its lost connection if it has one, else {@code otherwise}. */
    static String notReady(RabbitConnection link, String otherwise) {
        String lost = link != null ? link.lost : null;
        return lost != null ? lost : otherwise;
    }

    /** Closes the connection, waiting up to 5 s for what it still sends; a failure is only logged. */
    void close(String name) {
        try {
            if (connection.isOpen()) {
                connection.close(5_000);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + " closing its connection: " + e);
        }
    }

    /** Closes the connection at once, after a failure to set it up. */
    void abort() {
        connection.abort();
    }

    /** The reason a channel operation failed, from the broker's close message when there is one. */
    static String reason(IOException e) {
        return e.getCause() instanceof com.rabbitmq.client.ShutdownSignalException signal ? signal.getMessage()
                : String.valueOf(e);
    }
}
