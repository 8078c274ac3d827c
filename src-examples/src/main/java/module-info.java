/** Runnable examples of nanostream pipelines. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // kafka-clients, through nanostream-kafka
module io.nanostream.examples {
    requires io.nanostream.flow;
    requires io.nanostream.testkit;
    requires io.nanostream.kafka;
    requires io.nanostream.kafka.broker;
    requires io.nanostream.jdbc;
    requires com.fasterxml.jackson.databind;
    requires java.logging;
}
