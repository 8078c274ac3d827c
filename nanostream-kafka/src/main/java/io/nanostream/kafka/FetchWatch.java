package io.nanostream.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Whether the brokers answer the consumer's fetches: while they do not (a broker restarting, a
 * network cut), the lag the consumer last heard of is stale, and a partition that looked caught
 * up may have records waiting. A fetch is answered at least every {@code fetch.max.wait.ms} (half
 * a second by default) even with nothing new, so twice that without an answer, and at least a
 * second, is silence: well within the shortest idle time an event-time window is given in
 * practice, so that an outage is seen before the inputs would count as idle. Used by the polling
 * thread only.
 */
final class FetchWatch {

    private static final long MIN_SILENCE_NANOS = 1_000_000_000L;
    private static final String GROUP = "consumer-fetch-manager-metrics";
    private static final String FETCHES = "fetch-total";

    private final long silenceNanos;
    private Metric fetches;
    private boolean looked;
    private double lastCount = -1;
    private long lastAnswerNanos;

    /** Watches a consumer made with {@code config}, whose {@code fetch.max.wait.ms} sets the silence. */
    FetchWatch(Map<String, Object> config) {
        Object wait = config.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        long waitMillis = wait == null ? ConsumerConfig.DEFAULT_FETCH_MAX_WAIT_MS : Long.parseLong(wait.toString());
        this.silenceNanos = Math.max(MIN_SILENCE_NANOS, 2 * waitMillis * 1_000_000L);
    }

    /**
     * Whether a fetch was answered within the silence before {@code nowNanos}; true if
     * the consumer does not count its fetches (a mock), so that nothing is held back for it.
     */
    boolean answering(Consumer<?, ?> consumer, long nowNanos) {
        if (!looked) {
            looked = true;
            for (Map.Entry<MetricName, ? extends Metric> metric : consumer.metrics().entrySet()) {
                if (metric.getKey().name().equals(FETCHES) && metric.getKey().group().equals(GROUP)
                        && !metric.getKey().tags().containsKey("topic")) {
                    fetches = metric.getValue();
                }
            }
        }
        if (fetches == null) {
            return true;
        }
        double count = ((Number) fetches.metricValue()).doubleValue();
        if (count != lastCount) {
            lastCount = count;
            lastAnswerNanos = nowNanos;
        }
        return nowNanos - lastAnswerNanos < silenceNanos;
    }
}
