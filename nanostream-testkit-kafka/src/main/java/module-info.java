/**
 * Tests of Kafka pipelines without a broker: {@link io.nanostream.testkit.kafka.InMemoryKafka}.
 */
module io.nanostream.testkit.kafka {
    requires transitive io.nanostream.kafka;
    requires transitive io.nanostream.testkit;

    exports io.nanostream.testkit.kafka;
}
