package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link HttpEndpoint} through a real HTTP client: health for probes, metrics in Prometheus's text format. */
class HttpEndpointTest {

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(HttpEndpoint endpoint, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthAnswersTheProbesAndMetricsFollowThePrometheusTextFormat() throws Exception {
        var numbers = InMemorySource.<Integer>manual("numbers \"odd\" name", 256); // a name the labels must escape
        AbstractStep<Integer, Integer> twice = Steps.map((Integer i) -> 2 * i);
        twice.named("twice");
        numbers.subscribe(twice);
        var sink = new CollectingSink<Integer>();
        twice.subscribe(sink);
        Pipeline pipeline = Pipeline.from(numbers).named("doubling");
        HttpEndpoint endpoint = HttpEndpoint.start(new InetSocketAddress("127.0.0.1", 0), pipeline);
        try (pipeline) {
            var notStarted = get(endpoint, "/health");
            assertEquals(503, notStarted.statusCode());
            assertEquals("{\"pipelines\":[{\"name\":\"doubling\",\"up\":false,\"ready\":false,\"reasons\":[\"pipeline"
                    + " 'doubling' has not started\"]}],\"ready\":false}\n", notStarted.body());
            assertEquals(503, get(endpoint, "/health/live").statusCode());

            pipeline.start();
            numbers.push(1).push(2).push(3);
            sink.awaitCount(3, TIMEOUT);
            awaitTaken(pipeline, "twice", 3); // a node counts an item once its code returned
            var ready = get(endpoint, "/health");
            assertEquals(200, ready.statusCode());
            assertEquals("application/json; charset=utf-8", ready.headers().firstValue("Content-Type").orElse(""));
            assertEquals("{\"pipelines\":[{\"name\":\"doubling\",\"up\":true,\"ready\":true,\"reasons\":[]}],"
                    + "\"ready\":true}\n", ready.body());
            assertEquals(200, get(endpoint, "/health/live").statusCode());

            var metrics = get(endpoint, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().firstValue("Content-Type")
                    .orElse(""));
            Map<String, Double> samples = checkedSamples(metrics.body());
            assertEquals(3.0, samples.get("nanostream_node_out_total{pipeline=\"doubling\",node=\"numbers \\\"odd\\\""
                    + " name\",kind=\"source\"}"), metrics.body());
            assertEquals(3.0, samples.get("nanostream_node_in_total{pipeline=\"doubling\",node=\"twice\",kind=\"step\"}"));
            assertEquals(1.0, samples.get("nanostream_pipeline_ready{pipeline=\"doubling\"}"));
            assertEquals(404, get(endpoint, "/nothing").statusCode());

            numbers.complete();
            pipeline.await(TIMEOUT);
            var completed = get(endpoint, "/health/live");
            assertEquals(503, completed.statusCode(), "a completed pipeline is not live: " + completed.body());
        } finally {
            endpoint.close();
        }
        assertThrows(ConnectException.class, () -> get(endpoint, "/health"), "closed");
    }

    private static void awaitTaken(Pipeline pipeline, String node, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (pipeline.metrics().node(node).in() < count) {
            if (System.nanoTime() > deadline) {
                fail(node + " took " + pipeline.metrics().node(node).in() + " items, not " + count);
            }
            new java.util.concurrent.CountDownLatch(1).await(5, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]"
            + "|\\\\[\"\\\\n])*\"(?:,(?=[a-zA-Z_]))?)*\\})? (\\S+)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (?:[^\\\\\\n]|\\\\[\\\\n])*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");

    /**
     * Checks the text against the exposition format's rules (version 0.0.4) and returns its
     * samples by name and labels: every line a HELP, a TYPE or a sample; a metric's HELP and TYPE
     * once each, before its samples, which follow each other; a counter's name ends in
     * {@code _total}; a value is a number; no sample twice; the text ends with a line feed.
     */
    private static Map<String, Double> checkedSamples(String text) {
        assertTrue(text.endsWith("\n"), "ends with a line feed");
        Map<String, Double> samples = new HashMap<>();
        Set<String> typed = new HashSet<>();
        Set<String> helped = new HashSet<>();
        Set<String> finished = new HashSet<>();
        String current = null;
        for (String line : text.split("\n")) {
            Matcher help = HELP.matcher(line);
            Matcher type = TYPE.matcher(line);
            Matcher sample = SAMPLE.matcher(line);
            String name;
            if (help.matches()) {
                name = help.group(1);
                assertTrue(helped.add(name), "one HELP for " + name);
                assertTrue(!typed.contains(name), "HELP before TYPE and samples: " + name);
            } else if (type.matches()) {
                name = type.group(1);
                assertTrue(typed.add(name), "one TYPE for " + name);
                assertTrue(!type.group(2).equals("counter") || name.endsWith("_total"), "a counter ends in _total: " + name);
            } else if (sample.matches()) {
                name = sample.group(1);
                assertTrue(typed.contains(name), "TYPE before the samples of " + name);
                double value = Double.parseDouble(sample.group(3));
                assertTrue(samples.put(name + (sample.group(2) == null ? "" : sample.group(2)), value) == null,
                        "one sample per name and labels: " + line);
            } else {
                fail("not a HELP, TYPE or sample line: '" + line + "'");
                return samples;
            }
            if (!name.equals(current)) {
                assertTrue(finished.add(name), "the lines of " + name + " follow each other");
                current = name;
            }
        }
        return samples;
    }

    @Test
    void aPortInUseIsRefusedAtTheStart() throws Exception {
        var source = InMemorySource.of(1);
        source.subscribe(new CollectingSink<>());
        Pipeline pipeline = Pipeline.from(source);
        try (pipeline; HttpEndpoint first = HttpEndpoint.start(new InetSocketAddress("127.0.0.1", 0), pipeline)) {
            assertThrows(IOException.class, () -> HttpEndpoint.start(first.address(), pipeline));
            assertThrows(IllegalArgumentException.class, () -> HttpEndpoint.start(first.address()));
        }
    }
}
