/**
 * Kafka sources and sinks for nanostream pipelines, with at-least-once delivery: offsets are
 * committed only once everything derived from a record has reached every sink.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // kafka-clients has no module descriptor; its API is ours
module io.nanostream.kafka {
    requires transitive io.nanostream.flow;
    requires transitive kafka.clients;
    requires jdk.jfr; // commit and rebalance events

    exports io.nanostream.kafka;
}
