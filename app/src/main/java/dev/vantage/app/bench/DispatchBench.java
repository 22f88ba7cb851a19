package dev.vantage.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import dev.vantage.agent.TaskObserver;
import dev.vantage.model.Json;
import dev.vantage.model.agent.AgentProtocol;
import dev.vantage.server.Bootstrap;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code vantage bench dispatch}: on loopback, against a real server and a real in-process agent (over the agent
 * protocol), measures
 * <ol>
 *   <li>POST /v6/instant → the agent starts the task (dispatch latency),</li>
 *   <li>the agent starts uploading → the record is visible in the data endpoint,</li>
 *   <li>sustained POST /v6/instant throughput with rate limits lifted (tasks go to an agent that does not poll,
 *       so the figure is the API + store cost alone),</li>
 * </ol>
 * for the embedded H2 store and for PostgreSQL, and prints a table.
 */
public final class DispatchBench {
    private static final String EMAIL = "bench@vantage.local";
    private static final String TOKEN = "benchtoken0123456789abcdefghijkl";

    public record Options(int samples, int warmup, int seconds, int clients, String pgUrl, String pgUser, String pgPassword) {}

    public record Row(String store, double[] postMs, double[] dispatchMs, double[] visibleMs, double postsPerSecond, long posts) {}

    private final Options options;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public DispatchBench(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    public List<Row> run() throws Exception {
        List<Row> rows = new ArrayList<>();
        Path dir = Files.createTempDirectory("vantage-bench-h2");
        rows.add(runOn("H2 (embedded)", ServerConfig.defaults(dir)));
        String schema = "vantage_bench_" + Long.toHexString(System.nanoTime());
        String url = options.pgUrl() + (options.pgUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema;
        try {
            try (Connection c = DriverManager.getConnection(options.pgUrl(), options.pgUser(), options.pgPassword())) {
                c.isValid(2);
            }
            rows.add(runOn("PostgreSQL", ServerConfig.defaults(dir).withDatabase(url, options.pgUser(), options.pgPassword())));
        } catch (SQLException e) {
            out.println("PostgreSQL at " + options.pgUrl() + " not reachable (" + e.getMessage() + "): its row is left out");
        } finally {
            dropSchema(schema);
        }
        print(rows);
        return rows;
    }

    private Row runOn(String name, ServerConfig storeConfig) throws Exception {
        out.println("== " + name + ": " + options.warmup() + " warm-up + " + options.samples() + " timed instant tests, then "
                + options.seconds() + " s of POST /v6/instant from " + options.clients() + " clients");
        out.flush();
        ServerConfig config = storeConfig.withPort(0).withRateLimits(false, 240, 24);
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        target.createContext("/", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        target.start();
        Observer observer = new Observer();
        try (VantageServer server = VantageServer.start(config, new Bootstrap.AdminSeed(EMAIL, TOKEN, null));
             Agent agent = new Agent(new AgentSettings(URI.create(server.loopbackUrl()), server.agentToken(),
                     "bench-agent", "bench", "XX", 8), observer)) {
            agent.start();
            String base = server.loopbackUrl();
            int agentId = awaitAgent(agent);
            String targetUrl = "http://127.0.0.1:" + target.getAddress().getPort() + "/";
            List<Double> replies = new ArrayList<>();
            List<Double> dispatch = new ArrayList<>();
            List<Double> visible = new ArrayList<>();
            for (int i = 0; i < options.warmup() + options.samples(); i++) {
                Observer.Marks marks = observer.expect();
                long posted = System.nanoTime();
                JsonNode created = post(base, "/v6/instant/http-server", body(agentId, targetUrl));
                long replied = System.nanoTime();
                int testId = created.get("test").get(0).get("testId").asInt();
                observer.bind(marks, testId);
                long started = marks.await(marks.started);
                long uploading = marks.await(marks.uploading);
                long seen = awaitVisible(base, testId);
                if (i >= options.warmup()) {
                    replies.add((replied - posted) / 1e6);
                    dispatch.add((started - posted) / 1e6);
                    visible.add((seen - uploading) / 1e6);
                }
            }
            // Throughput: tests for an agent that never polls, so only the API and the store are measured.
            int sinkId = sinkAgent(base, server.agentToken());
            LongAdder posts = new LongAdder();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds());
            ExecutorService clients = Executors.newFixedThreadPool(options.clients());
            long t0 = System.nanoTime();
            for (int c = 0; c < options.clients(); c++) {
                clients.submit(() -> {
                    while (System.nanoTime() < end) {
                        post(base, "/v6/instant/http-server", body(sinkId, targetUrl));
                        posts.increment();
                    }
                    return null;
                });
            }
            clients.shutdown();
            if (!clients.awaitTermination(options.seconds() + 60L, TimeUnit.SECONDS)) throw new IllegalStateException("clients hung");
            double elapsed = (System.nanoTime() - t0) / 1e9;
            return new Row(name, sorted(replies), sorted(dispatch), sorted(visible), posts.sum() / elapsed, posts.sum());
        } finally {
            target.stop(0);
        }
    }

    private static String body(int agentId, String url) {
        return "{\"url\":\"" + url + "\",\"agents\":[{\"agentId\":" + agentId + "}],\"networkMeasurements\":0}";
    }

    private static int awaitAgent(Agent agent) throws InterruptedException {
        int id = agent.awaitConnected(Duration.ofSeconds(30));
        if (id < 0) throw new IllegalStateException("the bench agent did not connect");
        return id;
    }

    /** Registers an agent over the agent protocol that never asks for work. */
    private int sinkAgent(String base, String agentToken) throws IOException, InterruptedException {
        AgentProtocol.Hello hello = new AgentProtocol.Hello("bench-sink", "bench", "sink", List.of("127.0.0.1"), null, null, List.of());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/agent/v1/hello"))
                .header("Authorization", "Bearer " + agentToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(hello))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("sink hello failed: " + r.body());
        return Json.MAPPER.readTree(r.body()).get("agentId").asInt();
    }

    private JsonNode post(String base, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", basic()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IllegalStateException("POST " + path + " -> " + r.statusCode() + " " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    /** Polls the data endpoint until the record shows; returns System.nanoTime() when it did. */
    private long awaitVisible(String base, int testId) throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create(base + "/v6/web/http-server/" + testId))
                .header("Authorization", basic()).GET().build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && Json.MAPPER.readTree(r.body()).path("web").has("httpServer")) return System.nanoTime();
        }
        throw new IllegalStateException("test " + testId + " never showed its record");
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((EMAIL + ":" + TOKEN).getBytes(StandardCharsets.UTF_8));
    }

    private void dropSchema(String schema) {
        try (Connection c = DriverManager.getConnection(options.pgUrl(), options.pgUser(), options.pgPassword())) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException ignored) {
            // PostgreSQL was not reachable: nothing was created
        }
    }

    private static double[] sorted(List<Double> values) {
        return values.stream().sorted(Comparator.naturalOrder()).mapToDouble(Double::doubleValue).toArray();
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private void print(List<Row> rows) {
        out.println();
        out.printf(Locale.ROOT, "%-15s | %-20s | %-27s | %-27s | %s%n", "store", "POST -> 201 (ms)",
                "POST -> agent starts (ms)", "upload -> visible (ms)", "POST /v6/instant");
        out.printf(Locale.ROOT, "%-15s | %9s %9s | %8s %8s %8s | %8s %8s %8s | %s%n", "", "p50", "p99", "p50", "p99", "max",
                "p50", "p99", "max", "req/s");
        out.println("-".repeat(120));
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-15s | %9.2f %9.2f | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %8.1f (%d in %d s)%n", r.store(),
                    percentile(r.postMs(), 50), percentile(r.postMs(), 99),
                    percentile(r.dispatchMs(), 50), percentile(r.dispatchMs(), 99), percentile(r.dispatchMs(), 100),
                    percentile(r.visibleMs(), 50), percentile(r.visibleMs(), 99), percentile(r.visibleMs(), 100),
                    r.postsPerSecond(), r.posts(), options.seconds());
        }
        out.println("samples per row: " + options.samples() + " (after " + options.warmup() + " warm-up); loopback; "
                + Runtime.getRuntime().availableProcessors() + " CPUs");
        out.flush();
    }

    /** Records when the agent starts a task and starts uploading it, keyed by test id. */
    static final class Observer implements TaskObserver {
        static final class Marks {
            final AtomicLong started = new AtomicLong();
            final AtomicLong uploading = new AtomicLong();
            final CountDownLatch startedLatch = new CountDownLatch(1);
            final CountDownLatch uploadingLatch = new CountDownLatch(1);

            long await(AtomicLong mark) throws InterruptedException {
                CountDownLatch latch = mark == started ? startedLatch : uploadingLatch;
                if (!latch.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("the agent did not report the task");
                return mark.get();
            }
        }

        private final Map<Integer, Marks> byTest = new ConcurrentHashMap<>();
        /** Events that arrive before the POST's reply names the test id. */
        private final Map<Integer, long[]> early = new ConcurrentHashMap<>();

        Marks expect() {
            return new Marks();
        }

        void bind(Marks marks, int testId) {
            byTest.put(testId, marks);
            long[] e = early.remove(testId);
            if (e != null) {
                if (e[0] != 0) mark(marks.started, marks.startedLatch, e[0]);
                if (e[1] != 0) mark(marks.uploading, marks.uploadingLatch, e[1]);
            }
        }

        private static void mark(AtomicLong mark, CountDownLatch latch, long nanos) {
            mark.compareAndSet(0, nanos);
            latch.countDown();
        }

        @Override
        public void started(AgentProtocol.Task task) {
            record(task, 0);
        }

        @Override
        public void uploading(AgentProtocol.Task task) {
            record(task, 1);
        }

        /** Event 0 = started, 1 = uploading; kept aside when it beats the POST reply that names the test. */
        private void record(AgentProtocol.Task task, int event) {
            long now = System.nanoTime();
            Marks m = byTest.get(task.testId());
            if (m == null) {
                early.computeIfAbsent(task.testId(), k -> new long[2])[event] = now;
                m = byTest.get(task.testId());
                if (m == null) return;
            }
            if (event == 0) mark(m.started, m.startedLatch, now);
            else mark(m.uploading, m.uploadingLatch, now);
        }
    }
}
