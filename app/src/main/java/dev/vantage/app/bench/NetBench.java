package dev.vantage.app.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.Measurements;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.NetworkEngine;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * How many agent-to-server rounds one agent process runs at once before they degrade: N rounds (default settings:
 * 50 probes, 3 traces, MTU) start together against a TCP listener on loopback, through the same entry the agent's
 * runner calls. A level is sustained when every round finished inside the 8 s probe budget plus the trace time,
 * reported no loss (on loopback any loss is the agent's own overload) and no error.
 */
final class NetBench {
    record Options(int[] levels, long roundLimitMillis) {}

    private final Options options;
    private final PrintWriter out;

    NetBench(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    void run() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress())) {
            // a service that keeps each connection until the client closes it (SACK mode probes inside one)
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!target.isClosed()) {
                    try {
                        Socket s = target.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                            } catch (IOException ignored) {
                                // reset by the prober: done
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            out.printf("vantage bench net: concurrent agent-to-server rounds to 127.0.0.1:%d (probes: %s)%n",
                    target.getLocalPort(), NetworkEngine.rawSocketsAllowed() ? "raw sockets: TCP SACK, SYN traces" : "TCP connect, UDP trace");
            once(target.getLocalPort(), 1); // warm-up: class loading and JIT
            out.printf("%-11s %-9s %-9s %-9s %-9s %-9s %-9s %s%n", "concurrent", "wall s", "p50 s", "max s",
                    "avg loss%", "errors", "rounds/s", "sustained");
            for (int n : options.levels()) {
                Level l = once(target.getLocalPort(), n);
                boolean ok = l.errors == 0 && l.maxLoss == 0 && l.maxSeconds * 1000 <= options.roundLimitMillis();
                out.printf("%-11d %-9.2f %-9.2f %-9.2f %-9.2f %-9d %-9.2f %s%n", n, l.wallSeconds, l.p50Seconds,
                        l.maxSeconds, l.avgLoss, l.errors, n / l.wallSeconds, ok ? "yes" : "no");
                out.flush();
            }
            target.close();
            acceptor.join();
        }
    }

    record Level(double wallSeconds, double p50Seconds, double maxSeconds, double avgLoss, double maxLoss, int errors) {}

    private Level once(int port, int n) throws InterruptedException {
        List<Double> seconds = Collections.synchronizedList(new ArrayList<>());
        List<Double> losses = Collections.synchronizedList(new ArrayList<>());
        int[] errors = new int[1];
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    ObjectNode d = Json.MAPPER.createObjectNode().put("server", "127.0.0.1").put("port", port);
                    long t0 = System.nanoTime();
                    Map<DataKind, List<ObjectNode>> r = Measurements.run("agent-to-server", d,
                            RunContext.withTimeoutMillis(60_000, "bench"));
                    seconds.add((System.nanoTime() - t0) / 1e9);
                    ObjectNode m = r.get(DataKind.NET_METRICS).getFirst();
                    losses.add(m.path("loss").asDouble(100));
                    boolean failed = r.values().stream().flatMap(List::stream).anyMatch(x -> x.hasNonNull("errorDetails"));
                    if (failed) synchronized (errors) { errors[0]++; }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread t : threads) t.join();
        double wall = (System.nanoTime() - t0) / 1e9;
        List<Double> sorted = seconds.stream().sorted().toList();
        return new Level(wall, sorted.get(sorted.size() / 2), sorted.getLast(),
                losses.stream().mapToDouble(d -> d).average().orElse(0),
                losses.stream().mapToDouble(d -> d).max().orElse(0), errors[0]);
    }
}
