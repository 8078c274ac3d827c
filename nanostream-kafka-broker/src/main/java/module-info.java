/**
 * A real single-node Kafka broker for tests, demos and benchmarks: {@link
 * io.nanostream.kafka.broker.EmbeddedKafka}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // kafka-clients has no module descriptor; its API is ours
module io.nanostream.kafka.broker {
    requires transitive kafka.clients;

    exports io.nanostream.kafka.broker;
}
