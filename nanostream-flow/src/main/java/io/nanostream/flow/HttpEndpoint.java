package io.nanostream.flow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP endpoint for a service's pipelines, on the JDK's own HTTP server (so nothing is added
 * to the class path), off unless started, bound where you say:
 * <ul>
 * <li>{@code GET /health}: 200 when every pipeline is {@linkplain PipelineHealth#ready() ready},
 *     else 503, for an orchestrator's readiness probe; the body, JSON, has each pipeline's
 *     {@link Pipeline#health() health} and the reasons it is not ready.
 * <li>{@code GET /health/live}: 200 while every pipeline is {@linkplain PipelineHealth#up() up},
 *     else 503, for a liveness probe; the same body.
 * <li>{@code GET /metrics}: every node's {@link NodeMetrics} and each pipeline's health in the
 *     Prometheus text exposition format (version 0.0.4), labelled by pipeline, node and kind.
 * </ul>
 * It answers on one thread of its own. Close it when the service ends (try-with-resources, as
 * below): the JDK server's dispatcher thread is not a daemon, and keeps the JVM running.
 *
 * <pre>{@code
 * try (HttpEndpoint endpoint = HttpEndpoint.start(new InetSocketAddress(9400), pipeline)) {
 *     System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30)));
 * }
 * }</pre>
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final String JSON = "application/json; charset=utf-8";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;
    private final List<Pipeline> pipelines;

    private HttpEndpoint(HttpServer server, List<Pipeline> pipelines) {
        this.server = server;
        this.pipelines = pipelines;
        this.thread = Executors.newSingleThreadExecutor(task -> {
            Thread answering = new Thread(task, "nanostream-http-" + server.getAddress().getPort());
            answering.setDaemon(true);
            return answering;
        });
        server.createContext("/health", exchange -> answer(exchange, () -> health(exchange)));
        server.createContext("/metrics", exchange -> answer(exchange, () -> metrics(exchange)));
        server.createContext("/", exchange -> answer(exchange, () -> send(exchange, 404, "text/plain; charset=utf-8",
                "no such path: " + exchange.getRequestURI().getPath() + "; try /health, /health/live or /metrics\n")));
        server.setExecutor(thread);
    }

    /**
     * Starts an endpoint for these pipelines.
     *
     * @param address where to listen, such as {@code new InetSocketAddress(9400)} for every
     *     interface, or {@code new InetSocketAddress("127.0.0.1", 0)} for a free port on loopback
     * @param pipelines the pipelines it tells of
     * @return the endpoint, answering
     * @throws IOException if it cannot listen there, such as a port in use
     * @throws IllegalArgumentException if no pipeline is given
     */
    public static HttpEndpoint start(InetSocketAddress address, Pipeline... pipelines) throws IOException {
        Checks.notNull(address, "address");
        List<Pipeline> list = List.of(pipelines);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no pipeline to tell of: give at least one");
        }
        HttpServer server = HttpServer.create(address, 0);
        HttpEndpoint endpoint = new HttpEndpoint(server, list);
        server.start();
        return endpoint;
    }

    /**
     * Returns where this endpoint listens: the port chosen when it was started on port 0.
     *
     * @return the address
     */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops answering, at once, and ends its thread. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }

    private interface Answer {
        void run() throws IOException;
    }

    private static void answer(HttpExchange exchange, Answer answer) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
                return;
            }
            answer.run();
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        boolean live = path.equals("/health/live");
        if (!live && !path.equals("/health")) {
            send(exchange, 404, "text/plain; charset=utf-8", "no such path: " + path + "; try /health or /health/live\n");
            return;
        }
        boolean ok = true;
        StringBuilder body = new StringBuilder("{\"pipelines\":[");
        for (int i = 0; i < pipelines.size(); i++) {
            PipelineHealth health = pipelines.get(i).health();
            ok &= live ? health.up() : health.ready();
            body.append(i == 0 ? "" : ",").append("{\"name\":").append(json(health.pipeline())).append(",\"up\":")
                    .append(health.up()).append(",\"ready\":").append(health.ready()).append(",\"reasons\":[");
            for (int r = 0; r < health.reasons().size(); r++) {
                body.append(r == 0 ? "" : ",").append(json(health.reasons().get(r)));
            }
            body.append("]}");
        }
        body.append("],\"").append(live ? "up" : "ready").append("\":").append(ok).append("}\n");
        send(exchange, ok ? 200 : 503, JSON, body.toString());
    }

    private void metrics(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals("/metrics")) {
            send(exchange, 404, "text/plain; charset=utf-8", "no such path: " + exchange.getRequestURI().getPath() + "\n");
            return;
        }
        List<PipelineMetrics> snapshots = new ArrayList<>();
        List<PipelineHealth> healths = new ArrayList<>();
        for (Pipeline pipeline : pipelines) {
            PipelineMetrics snapshot = pipeline.metrics();
            snapshots.add(snapshot);
            healths.add(pipeline.health(snapshot)); // one snapshot for both
        }
        send(exchange, 200, PROMETHEUS_TEXT, PrometheusText.of(snapshots, healths));
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** A JSON string. */
    private static String json(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
