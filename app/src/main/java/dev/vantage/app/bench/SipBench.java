package dev.vantage.app.bench;

import dev.vantage.measure.RunContext;
import dev.vantage.measure.sip.SipRecord;
import dev.vantage.measure.sip.SipServerEngine;
import dev.vantage.measure.sip.SipSpec;
import dev.vantage.measure.sip.SipWarmup;
import dev.vantage.model.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Our OPTIONS response times next to sipp's own, against the same sipp UAS on loopback: sipp as a UAC sends the
 * same number of OPTIONS one at a time and traces each response time ({@code -trace_rtt}, request sent → 200
 * received, whole ms), and the sip-server engine runs as many probes, whose {@code waitTime} is the same interval.
 * Rows per transport and per UAS pause (the time sipp holds its answer).
 */
public final class SipBench {
    public record Options(int samples, int pauseMillis) {}

    private final Options options;
    private final PrintWriter out;

    public SipBench(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    public void run() throws Exception {
        Path dir = Files.createTempDirectory("vantage-sip-bench");
        try {
            SipWarmup.run(40);
            out.printf(Locale.ROOT, "%-9s | %-7s | %-30s | %-30s | %s%n", "transport", "pause",
                    "sipp UAC response time (ms)", "vantage waitTime (ms)", "vantage responseTime (ms)");
            out.printf(Locale.ROOT, "%-9s | %-7s | %6s %6s %7s %6s | %6s %6s %7s %6s | %6s %6s%n", "", "",
                    "p50", "p99", "mean", "max", "p50", "p99", "mean", "max", "p50", "p99");
            for (String transport : List.of("UDP", "TCP")) {
                for (int pause : options.pauseMillis() == 0 ? List.of(0) : List.of(0, options.pauseMillis())) {
                    row(dir, transport, pause);
                }
            }
            out.printf(Locale.ROOT, "%d OPTIONS per row, one at a time, each side against its own fresh sipp UAS.%n",
                    options.samples());
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void row(Path dir, String transport, int pause) throws Exception {
        Path uas = dir.resolve("uas-" + pause + ".xml");
        Files.writeString(uas, UAS.replace("PAUSE", pause == 0 ? "" : "<pause milliseconds=\"" + pause + "\"/>"));
        Path uac = dir.resolve("uac.xml");
        Files.writeString(uac, UAC);
        String mode = transport.equals("UDP") ? "u1" : "t1";

        List<Double> sipp;
        int port = freePort();
        Process server = sipp(dir, "uas-sipp-" + transport, "-sf", uas.toString(), "-i", "127.0.0.1", "-p",
                Integer.toString(port), "-t", mode, "-cp", Integer.toString(freePort()), "-nostdin", "-timeout", "600s");
        try {
            awaitBound(server, port, transport);
            Path work = Files.createDirectories(dir.resolve("uac-" + transport + "-" + pause));
            Process client = new ProcessBuilder("sipp", "-sf", uac.toString(), "-i", "127.0.0.1", "-t", mode,
                    "-cp", Integer.toString(freePort()), "-nostdin", "-m", Integer.toString(options.samples()),
                    "-l", "1", "-r", "50", "-trace_rtt", "-rtt_freq", "1", "-timeout", "600s",
                    "127.0.0.1:" + port).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("sipp.out").toFile()).start();
            if (!client.waitFor(600, TimeUnit.SECONDS)) {
                client.destroyForcibly();
                throw new IOException("sipp UAC did not finish");
            }
            sipp = rtts(work);
            if (sipp.size() < options.samples()) {
                throw new IOException("sipp UAC traced " + sipp.size() + " of " + options.samples() + " response times: "
                        + Files.readString(work.resolve("sipp.out")));
            }
        } finally {
            stop(server);
        }

        // a fresh UAS for our side, so neither side meets the other's leftovers
        List<Double> waits = new ArrayList<>(), responses = new ArrayList<>();
        port = freePort();
        server = sipp(dir, "uas-vantage-" + transport, "-sf", uas.toString(), "-i", "127.0.0.1", "-p",
                Integer.toString(port), "-t", mode, "-cp", Integer.toString(freePort()), "-nostdin", "-timeout", "600s");
        try {
            awaitBound(server, port, transport);
            SipSpec spec = SipSpec.from(Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1").put("port", port)
                    .put("protocol", transport));
            SipServerEngine engine = new SipServerEngine();
            for (int i = 0; i < options.samples(); i++) {
                SipRecord r = engine.run(spec, RunContext.withTimeoutMillis(5_000, "bench"));
                if (!"None".equals(r.errorType())) throw new IOException("probe failed: " + r.problemDetail());
                waits.add(r.waitTime().doubleValue());
                responses.add(r.responseTime().doubleValue());
            }
        } finally {
            stop(server);
        }
        double[] s = sorted(sipp), w = sorted(waits), t = sorted(responses);
        out.printf(Locale.ROOT, "%-9s | %4d ms | %6.0f %6.0f %7.1f %6.0f | %6.0f %6.0f %7.1f %6.0f | %6.0f %6.0f%n",
                transport, pause, DispatchBench.percentile(s, 50), DispatchBench.percentile(s, 99), mean(s), s[s.length - 1],
                DispatchBench.percentile(w, 50), DispatchBench.percentile(w, 99), mean(w), w[w.length - 1],
                DispatchBench.percentile(t, 50), DispatchBench.percentile(t, 99));
        out.flush();
    }

    /** sipp's {@code <scenario>_<pid>_rtt.csv}: "Date_ms;response_time_ms;rtd_no" per call. */
    private static List<Double> rtts(Path work) throws IOException {
        List<Double> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(work)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("_rtt.csv")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    String[] cols = line.split(";");
                    if (cols.length >= 2 && !cols[0].startsWith("Date")) out.add(Double.parseDouble(cols[1]));
                }
            }
        }
        return out;
    }

    private static Process sipp(Path dir, String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("sipp"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile()).start();
    }

    private static void awaitBound(Process p, int port, String transport) throws Exception {
        String hexPort = String.format(Locale.ROOT, ":%04X ", port);
        Path table = Path.of(transport.equals("UDP") ? "/proc/net/udp" : "/proc/net/tcp");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (!p.isAlive()) throw new IOException("sipp exited at start (is sip-tester installed?)");
            if (Files.readAllLines(table).stream().anyMatch(l -> l.contains(hexPort))) return;
            Thread.sleep(20);
        }
        throw new IOException("sipp did not bind port " + port);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort()))) {
                return udp.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port");
    }

    private static double[] sorted(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) sum += v;
        return sum / values.length;
    }

    private static final String UAS = """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="vantage bench uas">
              <recv request="OPTIONS"/>
              PAUSE
              <send>
                <![CDATA[
                  SIP/2.0 200 OK
                  [last_Via:]
                  [last_From:]
                  [last_To:];tag=[pid]b[call_number]
                  [last_Call-ID:]
                  [last_CSeq:]
                  Content-Length: 0

                ]]>
              </send>
            </scenario>
            """;

    private static final String UAC = """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="vantage bench uac">
              <send retrans="500" start_rtd="1">
                <![CDATA[
                  OPTIONS sip:[remote_ip]:[remote_port] SIP/2.0
                  Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                  Max-Forwards: 70
                  From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]a[call_number]
                  To: <sip:[remote_ip]:[remote_port]>
                  Call-ID: [call_id]
                  CSeq: 1 OPTIONS
                  Contact: <sip:sipp@[local_ip]:[local_port]>
                  Content-Length: 0

                ]]>
              </send>
              <recv response="200" rtd="1"/>
            </scenario>
            """;
}
