package io.nanostream.examples.etl;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.DeadLetter;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.EventTime;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.flow.Window;
import io.nanostream.flow.Windowed;
import io.nanostream.jdbc.JdbcSink;
import io.nanostream.kafka.KafkaRecord;
import io.nanostream.kafka.KafkaSink;
import io.nanostream.kafka.KafkaSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The ETL: orders, payments and shipments from three Kafka topics, parsed from JSON, summed per
 * customer in tumbling windows, written to a database table and published to a topic; messages
 * that do not parse go to a dead-letter topic with the error in their headers.
 *
 * <pre>
 * kafka (orders, payments, shipments) -> parse -> per-customer (window) -> totals -> database
 *                                          |                                     \-> output-topic
 *                                          \-> dead letters
 * </pre>
 *
 * <p><b>Exact after a crash.</b> A message's offset is committed only after the row it went into
 * has been committed and the output record acknowledged, so a crash loses nothing: what was not
 * committed is read again. The results are exact too, not only complete, because of three things:
 * <ol>
 *   <li>the windows are of <em>event time</em>, the messages' Kafka timestamps: a message read
 *       again lands in the same window as the first time;</li>
 *   <li>a window is emitted once, when the watermark has passed it, and holds its messages
 *       (uncommitted) until its row and record are written: if any message of a window was
 *       committed, the window's whole result was written before;</li>
 *   <li>so the first write of a window is its whole result, and later writes of it (a replay that
 *       computes it again, or only in part, from the messages not yet committed) are dropped:
 *       the table's statement inserts unless the row exists ({@link TotalsTable#insertFirst}),
 *       and the output topic's sink writes each key (customer and window) once
 *       ({@code KafkaSink.Builder.oncePerKey}).</li>
 * </ol>
 * A stop leaves the windows still open unwritten, their messages uncommitted, for the next run.
 * Messages later than the watermark allows go to the dead letters, with how late they were.
 */
final class EtlPipeline {

    /** The node names, as the progress line and metrics show them. */
    static final String SOURCE = "kafka";
    static final String PARSE = "parse";
    static final String DATABASE = "database";
    /** The consumer group. */
    static final String GROUP = "nanostream-etl-demo";

    /**
     * What the pipeline connects to.
     *
     * @param bootstrapServers the Kafka brokers
     * @param jdbcUrl the database
     * @param topics where orders, payments and shipments come from, and where totals and dead
     *     letters go
     * @param window the length of the windows
     * @param quiet how long the input may be quiet before its last windows close anyway
     * @param group the consumer group
     * @param memberId this instance's static member id in the group (a restart takes its partitions
     *     straight back), or null
     */
    record Settings(String bootstrapServers, String jdbcUrl, Topics topics, Duration window, Duration quiet,
            String group, String memberId) {
    }

    /** The topics, by what they hold. */
    record Topics(String orders, String payments, String shipments, String totals, String deadLetters) {
        static final Topics DEFAULT = new Topics("orders", "payments", "shipments", "customer-totals", "etl-dead-letters");

        Event.Kind kindOf(String topic) {
            if (topic.equals(orders)) {
                return Event.Kind.ORDER;
            }
            return topic.equals(payments) ? Event.Kind.PAYMENT : Event.Kind.SHIPMENT;
        }
    }

    private EtlPipeline() {
    }

    /** Parses a message by the kind its topic holds; what cannot be parsed goes to the policy. */
    static final class ParseEvent extends AbstractStep<KafkaRecord<String, String>, Event> {
        private final Topics topics;

        ParseEvent(Topics topics, ErrorPolicy policy) {
            super(PARSE, 256);
            this.topics = topics;
            withErrorPolicy(policy);
        }

        @Override
        protected void process(KafkaRecord<String, String> message) throws Exception {
            emit(Event.parse(topics.kindOf(message.topic()), message.timestamp(), message.value()));
        }
    }

    static Pipeline build(Settings settings) {
        Topics topics = settings.topics();
        Map<String, Object> consumer = new HashMap<>(Map.of("bootstrap.servers", settings.bootstrapServers(),
                "group.id", settings.group(), "auto.offset.reset", "earliest"));
        if (settings.memberId() != null) {
            consumer.put("group.instance.id", settings.memberId());
        }
        Map<String, Object> producer = Map.of("bootstrap.servers", settings.bootstrapServers(), "linger.ms", 5);

        KafkaSource<String, String> kafka = KafkaSource.builder(consumer, new StringDeserializer(), new StringDeserializer())
                .topics(topics.orders(), topics.payments(), topics.shipments())
                .named(SOURCE)
                .build();
        KafkaSink<DeadLetter> deadLetters = KafkaSink.deadLetters(topics.deadLetters(), producer);
        ParseEvent parse = new ParseEvent(topics, ErrorPolicy.deadLetter(deadLetters));
        AbstractStep<Event, Windowed<String, long[]>> perCustomer = Steps.window(Event::customer,
                        EventTime.of(Event::time).maxOutOfOrder(Duration.ofSeconds(1)).idleAfter(settings.quiet()),
                        Window.ofTime(settings.window()), CustomerTotals.summing())
                .named("per-customer")
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)); // late messages, with how late
        AbstractStep<Windowed<String, long[]>, CustomerTotals> totals = Steps.map(CustomerTotals::of).named("totals");
        JdbcSink<CustomerTotals> database = JdbcSink.builder(settings.jdbcUrl())
                .named(DATABASE)
                .sql(TotalsTable.insertFirst(settings.jdbcUrl()))
                .binder(TotalsTable::bind)
                .build();
        KafkaSink<CustomerTotals> output = KafkaSink.builder(producer, new StringSerializer(),
                        new StringSerializer())
                .named("output-topic")
                .topic(topics.totals(), CustomerTotals::key, CustomerTotals::toJson)
                .oncePerKey(Duration.ofMinutes(10))
                .build();

        kafka.subscribe(parse);
        parse.subscribe(perCustomer);
        perCustomer.subscribe(totals);
        totals.subscribe(database);
        totals.subscribe(output);
        return Pipeline.from(kafka).named("etl");
    }
}
