package dev.vantage.app.bench;

import dev.vantage.measure.RunContext;
import dev.vantage.measure.dns.DnsMeasurements;
import dev.vantage.measure.dns.DnsQuestion;
import dev.vantage.measure.dns.DnsServerEngine;
import dev.vantage.measure.dns.DnsServerRecord;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code vantage bench dns}: starts a real BIND {@code named} on its own loopback address (127.0.53.200, added to
 * lo for the run) serving a small zone, then (1) times the same query with our dns-server engine and with dig,
 * one after the other, and (2) measures how many dns-server queries per second one agent process sustains
 * against it with N concurrent workers. Needs root and bind9 + bind9-dnsutils.
 */
final class DnsBench {
    static final String ADDRESS = "127.0.53.200";

    record Options(int seconds, List<Integer> workers, int samples) {}

    private final Options options;
    private final PrintWriter out;

    DnsBench(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    void run() throws Exception {
        Path dir = Files.createTempDirectory("vantage-bench-dns-");
        Process named = null;
        boolean added = false;
        try {
            added = addToLoopback();
            named = startNamed(dir);
            DnsMeasurements.warmUp();
            awaitAnswering();
            out.println("named " + version() + " on " + ADDRESS + ":53, zone bench.vlab.");
            out.println();
            compareWithDig();
            out.println();
            throughput();
        } finally {
            if (named != null) {
                named.destroy();
                if (!named.waitFor(5, TimeUnit.SECONDS)) named.destroyForcibly();
            }
            if (added) new ProcessBuilder("ip", "addr", "del", ADDRESS + "/32", "dev", "lo").start().waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
        out.flush();
    }

    private void compareWithDig() throws Exception {
        out.println("resolution time of 'www.bench.vlab A' (RD=0, UDP), " + options.samples() + " queries each, alternating:");
        List<Long> ours = new ArrayList<>();
        List<Long> dig = new ArrayList<>();
        Pattern queryTime = Pattern.compile(";; Query time: (\\d+) msec");
        for (int i = 0; i < options.samples(); i++) {
            ours.add(query().resolutionTime());
            String text = exec("dig", "@" + ADDRESS, "www.bench.vlab", "A", "+norec", "+tries=1");
            Matcher m = queryTime.matcher(text);
            if (m.find()) dig.add(Long.parseLong(m.group(1)));
        }
        out.println("| client | min | p50 | p90 | max (ms) |");
        out.println("|---|---|---|---|---|");
        out.println(row("vantage measure dns-server", ours));
        out.println(row("dig @" + ADDRESS + " +norec", dig));
    }

    private void throughput() throws InterruptedException {
        out.println("dns-server queries one agent sustains against that named (" + options.seconds() + " s per row):");
        out.println("| workers | queries | failed | queries/s | p50 / p99 resolutionTime (ms) |");
        out.println("|---|---|---|---|---|");
        for (int workers : options.workers()) {
            AtomicLong failed = new AtomicLong();
            List<List<Long>> times = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds());
            List<Thread> threads = new ArrayList<>();
            long start = System.nanoTime();
            for (int w = 0; w < workers; w++) {
                List<Long> mine = new ArrayList<>();
                times.add(mine);
                threads.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < end) {
                        DnsServerRecord r = query();
                        if (r.resolutionTime() == null || !r.errorDetails().isEmpty()) failed.incrementAndGet();
                        else mine.add(r.resolutionTime());
                    }
                }));
            }
            for (Thread t : threads) t.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> all = new ArrayList<>();
            times.forEach(all::addAll);
            Collections.sort(all);
            long total = all.size() + failed.get();
            out.printf(Locale.ROOT, "| %d | %d | %d | %.0f | %s / %s |%n", workers, total, failed.get(), all.size() / seconds,
                    pct(all, 50), pct(all, 99));
            out.flush();
        }
    }

    private static final DnsServerEngine ENGINE = new DnsServerEngine();
    private static final DnsServerEngine.Spec SPEC = new DnsServerEngine.Spec(DnsQuestion.parse("www.bench.vlab A"),
            List.of(new DnsServerEngine.Server(1, ADDRESS)), false, false, 53);

    private static DnsServerRecord query() {
        try {
            return ENGINE.run(SPEC, RunContext.withTimeoutMillis(5_000, "bench")).getFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String row(String name, List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        if (sorted.isEmpty()) return "| " + name + " | - | - | - | - |";
        return "| " + name + " | " + sorted.getFirst() + " | " + pct(sorted, 50) + " | " + pct(sorted, 90) + " | "
                + sorted.getLast() + " |";
    }

    private static String pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return "-";
        return String.valueOf(sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
    }

    private static boolean addToLoopback() throws Exception {
        Process p = new ProcessBuilder("ip", "addr", "add", ADDRESS + "/32", "dev", "lo").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        if (p.exitValue() == 0) return true;
        if (text.contains("File exists")) return false;
        throw new IllegalStateException("ip addr add " + ADDRESS + "/32 dev lo failed (the DNS bench needs root): " + text);
    }

    private static Process startNamed(Path dir) throws IOException {
        Files.writeString(dir.resolve("bench.zone"), """
                $ORIGIN bench.vlab.
                $TTL 300
                @    SOA ns1 hostmaster 1 3600 600 86400 300
                @    NS  ns1
                ns1  A   %s
                www  A   192.0.2.80
                """.formatted(ADDRESS));
        Path conf = Files.writeString(dir.resolve("named.conf"), """
                options {
                    directory "%1$s";
                    pid-file "%1$s/named.pid";
                    session-keyfile "%1$s/session.key";
                    listen-on port 53 { %2$s; };
                    listen-on-v6 { none; };
                    recursion no;
                    notify no;
                };
                controls { };
                zone "bench.vlab." { type primary; file "%1$s/bench.zone"; };
                """.formatted(dir, ADDRESS));
        return new ProcessBuilder("named", "-g", "-4", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("named.log").toFile()).start();
    }

    private static void awaitAnswering() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            DnsServerRecord r = query();
            if (r.resolutionTime() != null) return;
            if (System.nanoTime() > until) throw new IllegalStateException("named on " + ADDRESS + " never answered: " + r.errorDetails());
            Thread.sleep(50);
        }
    }

    private static String version() throws Exception {
        return exec("named", "-v").strip();
    }

    private static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return text;
    }
}
