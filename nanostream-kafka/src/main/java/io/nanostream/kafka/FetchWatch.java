package io.nanostream.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Whether the brokers answer the consumer's fetches: while they do not (a broker restarting, a
 * network cut), the lag the consumer last heard of is stale, and a partition that looked caught
 * up may have records waiting. A fetch is answered at least every {@code fetch.max.wait.ms} (half
 * a second by default) even with nothing new, so two seconds without an answer is silence. Used
 * by the polling thread only.
 */
final class FetchWatch {

    static final long SILENCE_NANOS = 2_000_000_000L;
    private static final String GROUP = "consumer-fetch-manager-metrics";
    private static final String FETCHES = "fetch-total";

    private Metric fetches;
    private boolean looked;
    private double lastCount = -1;
    private long lastAnswerNanos;

    /**
     * Whether a fetch was answered within {@link #SILENCE_NANOS} before {@code nowNanos}; true if
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
        return nowNanos - lastAnswerNanos < SILENCE_NANOS;
    }
}
