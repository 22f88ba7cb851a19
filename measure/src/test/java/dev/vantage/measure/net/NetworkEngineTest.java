package dev.vantage.measure.net;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.sys.Netns;
import dev.vantage.measure.testnet.TestNet;
import dev.vantage.model.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network engine on a network this test builds (TestNet): the agent, router r1 that splits the traffic over two
 * equal-cost branches (r2a, r2b), router r3 where they join, and the target behind a 1400-byte link:
 * <pre>
 *   agent 10.80.1.1 — r1 10.80.1.2 ─┬─ 10.80.2.2 r2a 10.80.4.1 ─┬─ 10.80.4.2 r3 10.80.6.1 —(mtu 1400)— 10.80.6.2 target
 *                                   └─ 10.80.3.2 r2b 10.80.5.1 ─┘  10.80.5.2
 * </pre>
 * r3 sends its replies back through r2a, so it answers from 10.80.4.2. The engine runs inside the agent namespace
 * on a thread that entered it with setns(2).
 */
class NetworkEngineTest {
    static final String TARGET = "10.80.6.2";
    static final Set<String> BRANCHES = Set.of("10.80.2.2", "10.80.3.2");
    static TestNet net;
    static String agent, r1, r2a, r2b, r3, target;
    static String r3ToTarget;
    static ServerSocket service;

    @BeforeAll
    static void buildNetwork() {
        net = new TestNet();
        try {
            agent = net.host("agent");
            r1 = net.router("r1");
            r2a = net.router("r2a");
            r2b = net.router("r2b");
            r3 = net.router("r3");
            target = net.host("target");
            net.unlimitedIcmp(target); // the UDP trace's last hop is the target's port unreachable, rate-limited too
            net.link(agent, "10.80.1.1/30", r1, "10.80.1.2/30");
            net.link(r1, "10.80.2.1/30", r2a, "10.80.2.2/30");
            net.link(r1, "10.80.3.1/30", r2b, "10.80.3.2/30");
            net.link(r2a, "10.80.4.1/30", r3, "10.80.4.2/30");
            net.link(r2b, "10.80.5.1/30", r3, "10.80.5.2/30");
            String[] narrow = net.link(r3, "10.80.6.1/30", target, "10.80.6.2/30");
            r3ToTarget = narrow[0];
            net.mtu(r3, narrow[0], 1400);
            net.mtu(target, narrow[1], 1400);
            net.route(agent, "default", "10.80.1.2");
            net.multipathRoute(r1, "10.80.6.0/30", "10.80.2.2", "10.80.3.2");
            net.route(r2a, "10.80.6.0/30", "10.80.4.2");
            net.route(r2b, "10.80.6.0/30", "10.80.5.2");
            net.route(r2a, "10.80.1.0/30", "10.80.2.1");
            net.route(r2b, "10.80.1.0/30", "10.80.3.1");
            net.route(r3, "10.80.1.0/30", "10.80.4.1");
            net.route(target, "default", "10.80.6.1");
            // a real TCP service on the target for the session-based modes (SACK probes, in-session traces): a
            // listener opened by a thread inside the target namespace, holding each connection until the client
            // closes it
            service = inNamespace(target, () -> new ServerSocket(8080, 50, InetAddress.getByName(TARGET)));
            Thread.ofVirtual().start(() -> {
                while (!service.isClosed()) {
                    try {
                        Socket s = service.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                            } catch (IOException ignored) {
                                // reset by the prober
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        } catch (Exception e) {
            net.close();
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void removeNetwork() {
        List<String> made = net.liveNamespaces();
        try {
            if (service != null) service.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        net.close();
        assertThat(TestNet.listNamespaces()).doesNotContainAnyElementsOf(made);
    }

    /** Runs {@code work} on a platform thread inside the agent namespace (threads it starts are there too). */
    static <T> T inAgent(Callable<T> work) throws Exception {
        return inNamespace(agent, work);
    }

    /** Runs {@code work} on a new platform thread that entered {@code ns}; sockets it opens live there. */
    static <T> T inNamespace(String ns, Callable<T> work) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("in-" + ns).start(() -> {
            try {
                Netns.enter(ns);
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() instanceof Exception e) throw e;
        if (failure.get() instanceof Error e) throw e;
        return result.get();
    }

    static JsonNode round(NetworkEngine.Spec spec) throws Exception {
        long t0 = System.nanoTime();
        NetworkEngine.Result r = inAgent(() -> new NetworkEngine().run(spec, RunContext.withTimeoutMillis(60_000, "t")));
        long took = (System.nanoTime() - t0) / 1_000_000;
        JsonNode json = Json.MAPPER.valueToTree(r);
        System.out.println("round " + spec + " took " + took + " ms\n" + Report(json));
        return json;
    }

    static String Report(JsonNode r) {
        return r.get("metrics").toString() + "\n" + HopTable.format(r.get("pathVis"));
    }

    /** Asserts the hops of every route: r1, one of the two branches, r3, the target. */
    static void assertThePath(JsonNode pathVis) {
        assertThat(pathVis.path("routes")).hasSize(3);
        for (JsonNode route : pathVis.get("routes")) {
            List<String> ips = new ArrayList<>();
            route.get("hops").forEach(h -> ips.add(h.get("ipAddress").asText()));
            assertThat(ips).hasSize(4);
            assertThat(ips.get(0)).isEqualTo("10.80.1.2");
            assertThat(ips.get(1)).isIn(BRANCHES);
            assertThat(ips.get(2)).isEqualTo("10.80.4.2");
            assertThat(ips.get(3)).isEqualTo(TARGET);
            assertThat(route.get("hops").get(3).get("hop").asInt()).isEqualTo(4);
            assertThat(route.get("reachedDestination").asBoolean()).isTrue();
        }
        for (JsonNode e : pathVis.get("endpoints")) {
            assertThat(e.get("ipAddress").asText()).isEqualTo(TARGET);
            assertThat(e.get("numberOfHops").asInt()).isEqualTo(4);
        }
        assertThat(pathVis.get("sourceIp").asText()).isEqualTo("10.80.1.1");
        assertThat(pathVis.get("sourcePrefix").asText()).isEqualTo("10.80.1.0/30");
    }

    @Test
    void tcpSynModeTracesThePathMeasuresLossAndTheNarrowLinksMtu() throws Exception {
        JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 80));
        JsonNode m = r.get("metrics");
        assertThat(m.get("probeMethod").asText()).startsWith("TCP SYN");
        assertThat(m.get("server").asText()).isEqualTo(TARGET + ":80");
        assertThat(m.get("loss").asDouble()).isZero();
        assertThat(m.get("probesSent").asInt()).isEqualTo(50);
        assertThat(m.get("pathMtu").asInt()).isEqualTo(1400);
        assertThat(m.get("pathMtuHop").asText()).isEqualTo("10.80.4.2");
        assertThat(m.has("errorDetails")).isFalse();
        JsonNode p = r.get("pathVis");
        assertThat(p.get("pathTraceMethod").asText()).startsWith("TCP SYN");
        assertThePath(p);
        // no ICMP rate limit on the routers and no loss: no hop may show loss
        p.get("routes").forEach(route -> route.get("hops").forEach(h -> {
            assertThat(h.get("loss").asDouble()).isZero();
            assertThat(h.has("icmpRateLimited")).isFalse();
        }));
    }

    @Test
    void icmpModeTracesThePath() throws Exception {
        JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 80).withProtocol("ICMP").withMtu(false));
        assertThat(r.get("metrics").get("probeMethod").asText()).startsWith("ICMP echo");
        assertThat(r.get("metrics").get("server").asText()).isEqualTo(TARGET);
        assertThat(r.get("metrics").get("loss").asDouble()).isZero();
        assertThat(r.get("metrics").get("avgLatency").asDouble()).isPositive();
        assertThat(r.get("pathVis").get("pathTraceMethod").asText()).startsWith("ICMP echo");
        assertThePath(r.get("pathVis"));
    }

    /** In-session: TTL-limited segments inside connections the kernel opened to a real listener on the target. */
    @Test
    void inSessionTracesRunInsideEstablishedConnections() throws Exception {
        JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 8080).withPathTraceMode("inSession").withMtu(false));
        JsonNode p = r.get("pathVis");
        assertThat(p.get("pathTraceMethod").asText()).isEqualTo("TCP in-session (raw socket), in-session");
        assertThePath(p);
        for (JsonNode route : p.get("routes")) {
            for (int i = 0; i < 3; i++) assertThat(route.get("hops").get(i).get("loss").asDouble()).isZero();
            // the target's duplicate ACKs are rate-limited by its kernel: no loss figure for the destination
            assertThat(route.get("hops").get(3).has("loss")).isFalse();
        }
    }

    /** SACK mode: one connection to a real listener, one-byte probes past a hole, each answered by a SACK. */
    @Test
    void sackModeProbesInsideOneConnection() throws Exception {
        JsonNode m = round(NetworkEngine.Spec.defaults(TARGET, 8080).withMtu(false)).get("metrics");
        assertThat(m.get("probeMethod").asText()).isEqualTo("TCP SACK (raw socket)");
        assertThat(m.get("probesSent").asInt()).isEqualTo(50);
        assertThat(m.get("loss").asDouble()).isZero();
        assertThat(m.get("maxLatency").asDouble()).isLessThan(100.0);
        // where no session can be made, SYN mode, saying why
        JsonNode syn = round(NetworkEngine.Spec.defaults(TARGET, 80).withMtu(false)).get("metrics");
        assertThat(syn.get("probeMethod").asText()).startsWith("TCP SYN (raw socket) (SACK mode unavailable: no TCP session")
                .contains("refused");
        assertThat(syn.get("loss").asDouble()).isZero();
    }

    @Test
    void inSessionWithoutAListenerFallsBackToClassic() throws Exception {
        JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 81).withPathTraceMode("inSession").withMtu(false));
        assertThat(r.get("pathVis").get("pathTraceMethod").asText()).startsWith("TCP SYN").contains("classic (inSession: no TCP session");
        assertThePath(r.get("pathVis"));
    }

    /** dscpId marks every probe: the target's nftables counts what arrives with DSCP 46 (EF). */
    @Test
    void theDscpMarksTheProbes() throws Exception {
        net.nft(target, "add table inet vt_dscp");
        net.nft(target, "add chain inet vt_dscp in { type filter hook input priority 0 ; }");
        net.nft(target, "add rule inet vt_dscp in ip dscp 46 ip protocol tcp counter");
        net.nft(target, "add rule inet vt_dscp in ip dscp 46 ip protocol icmp counter");
        try {
            round(NetworkEngine.Spec.defaults(TARGET, 80).withDscp(46).withMtu(false));
            round(NetworkEngine.Spec.defaults(TARGET, 80).withProtocol("ICMP").withDscp(46).withMtu(false));
            String counters = net.run(target, "nft", "list", "table", "inet", "vt_dscp");
            List<Integer> packets = new ArrayList<>();
            var m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(counters);
            while (m.find()) packets.add(Integer.parseInt(m.group(1)));
            // 50 SYNs + the traces' probes that reached the target; 50 echoes + theirs
            assertThat(packets).hasSize(2).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(50));
        } finally {
            net.nft(target, "delete table inet vt_dscp");
        }
    }

    /** Paris traceroute: every probe of a trace takes one ECMP branch; the traces between them take both. */
    @Test
    void eachTraceStaysOnOneBranchOfTheEqualCostPaths() throws Exception {
        int traces = 10;
        List<PathTracer.Trace> result = inAgent(() -> {
            try (Prober p = new TcpSynProber((java.net.Inet4Address) InetAddress.getByName(TARGET), 80,
                    (java.net.Inet4Address) InetAddress.getByName("10.80.1.1"), traces, 0)) {
                return PathTracer.run(p, new PathTracer.Settings(traces, 6, 8, 3), System.nanoTime() + 20_000_000_000L);
            }
        });
        Set<String> branchesSeen = new HashSet<>();
        for (PathTracer.Trace t : result) {
            PathTracer.Slot second = t.slots().get(1);
            Set<String> answeredBy = new HashSet<>();
            second.answers().forEach(a -> answeredBy.add(a.from().getHostAddress()));
            assertThat(answeredBy).as("TTL 2 of trace %d", t.flow()).hasSize(1);
            branchesSeen.addAll(answeredBy);
        }
        // ten flows all hashed to one of two branches: probability 2^-9
        assertThat(branchesSeen).isEqualTo(BRANCHES);
    }

    /**
     * 20 % random loss on r3's link to the target: only the destination hop loses probes. With 150 probes at
     * p = 0.2 the count lost is binomial (mean 30, sd 4.9): we accept 10 %..30 % (over 4 sd from the mean, a false
     * failure below one in 10^4).
     */
    @Test
    void randomLossOnALinkShowsAtTheHopsBehindIt() throws Exception {
        net.randomLoss(r3, r3ToTarget, 20);
        try {
            JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 80).withTraces(3, 50).withMtu(false));
            for (JsonNode route : r.get("pathVis").get("routes")) {
                JsonNode hops = route.get("hops");
                for (int i = 0; i < 3; i++) assertThat(hops.get(i).get("loss").asDouble()).isZero();
            }
            double lost = 0, sent = 0;
            for (JsonNode route : r.get("pathVis").get("routes")) {
                JsonNode dest = route.get("hops").get(3);
                assertThat(dest.get("ipAddress").asText()).isEqualTo(TARGET);
                sent += dest.get("probesSent").asInt();
                lost += dest.get("probesSent").asInt() * dest.get("loss").asDouble() / 100;
            }
            assertThat(sent).isEqualTo(150);
            assertThat(lost / sent).isBetween(0.10, 0.30);
            // the end-to-end series crosses the same link: 50 probes, p = 0.2, mean 10, sd 2.8 -> accept 1..22 lost
            assertThat(r.get("metrics").get("loss").asDouble()).isBetween(2.0, 44.0);
        } finally {
            net.nft(r3, "delete table inet vantage_loss");
        }
    }

    /**
     * Linux's default ICMP rate limit on r1 (burst of 6, then one per second toward one destination): the 9 probes of
     * TTL 1 get 6 answers. The loss does not persist to later hops, so it is labelled rate limiting.
     */
    @Test
    void icmpRateLimitedHopsAreLabelledAsSuch() throws Exception {
        net.defaultIcmpRateLimit(r1);
        try {
            // the per-destination bucket fills at one token per second up to 6 (it was empty while the limit was 0)
            Thread.sleep(6_500);
            JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 80).withMtu(false));
            int lostAtFirstHop = 0;
            for (JsonNode route : r.get("pathVis").get("routes")) {
                JsonNode first = route.get("hops").get(0);
                assertThat(first.get("hop").asInt()).isEqualTo(1);
                lostAtFirstHop += (int) Math.round(first.get("loss").asDouble() * 3 / 100);
                assertThat(first.get("icmpRateLimited").asBoolean()).isTrue();
                for (int i = 1; i < route.get("hops").size(); i++) {
                    assertThat(route.get("hops").get(i).get("loss").asDouble()).isZero();
                    assertThat(route.get("hops").get(i).has("icmpRateLimited")).isFalse();
                }
            }
            assertThat(lostAtFirstHop).isEqualTo(3);
            // forwarding was never affected
            assertThat(r.get("metrics").get("loss").asDouble()).isZero();
        } finally {
            net.unlimitedIcmp(r1);
        }
    }

    /** As nobody (uid 65534, no capabilities): TCP connect probes and a UDP trace, and the records say so. */
    @Test
    void withoutPrivilegeItFallsBackToConnectsAndUdp() throws Exception {
        JsonNode r = unprivileged("TCP");
        JsonNode m = r.get("metrics");
        assertThat(m.get("probeMethod").asText()).contains("TCP connect").contains("no CAP_NET_RAW");
        assertThat(m.get("pathMtu").asInt()).isEqualTo(1400);
        assertThat(r.get("pathVis").get("pathTraceMethod").asText()).contains("UDP");
        assertThePath(r.get("pathVis"));
        // routers and target answer without rate limit: every probe of the UDP trace is answered
        r.get("pathVis").get("routes").forEach(route -> route.get("hops").forEach(
                h -> assertThat(h.get("loss").asDouble()).as("hop %s", h).isZero()));
    }

    /**
     * ICMP as nobody: refused (with the reason) while net.ipv4.ping_group_range excludes every group, as on this
     * host; once the agent namespace lets nobody's group use ping sockets, echo probes and an ICMP trace work.
     */
    @Test
    void withoutPrivilegeIcmpNeedsThePingGroupRange() throws Exception {
        net.run(agent, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=1 0");
        JsonNode refused = unprivileged("ICMP");
        assertThat(refused.get("metrics").get("errorDetails").asText()).contains("ping_group_range");
        assertThat(refused.get("metrics").has("loss")).isFalse();
        assertThat(refused.get("pathVis").get("pathTraceMethod").asText()).contains("UDP");
        assertThePath(refused.get("pathVis"));

        net.run(agent, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=65534 65534");
        try {
            JsonNode r = unprivileged("ICMP");
            JsonNode m = r.get("metrics");
            assertThat(m.get("probeMethod").asText()).isEqualTo("ICMP echo (ping socket, unprivileged)");
            assertThat(m.get("loss").asDouble()).isZero();
            assertThat(m.get("probesSent").asInt()).isEqualTo(50);
            assertThat(r.get("pathVis").get("pathTraceMethod").asText()).startsWith("ICMP echo (ping socket");
            assertThePath(r.get("pathVis"));
        } finally {
            net.run(agent, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=1 0");
        }
    }

    /** One round in a child JVM inside the agent namespace as uid/gid 65534 without capabilities. */
    static JsonNode unprivileged(String protocol) throws Exception {
        Path dir = Files.createTempDirectory("vantage-cp");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> cp = new ArrayList<>();
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path src = Path.of(entry);
                if (!Files.exists(src)) continue;
                Path dst = dir.resolve((i++) + "-" + src.getFileName());
                copyReadable(src, dst);
                cp.add(dst.toString());
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = List.of("ip", "netns", "exec", agent, "setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", "--inh-caps=-all", java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    String.join(File.pathSeparator, cp), NetProbeMain.class.getName(), TARGET, "80", protocol);
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out;
            try {
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
            assertThat(p.exitValue()).isZero();
            JsonNode r = Json.MAPPER.readTree(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
            System.out.println("unprivileged " + protocol + " round\n" + Report(r));
            return r;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The hop table next to Debian's traceroute for the same target (printed for the closing note). */
    @Test
    void theHopsAreTheOnesTracerouteSees() throws Exception {
        String traceroute = net.run(agent, "traceroute", "-n", "-T", "-p", "80", "-q", "3", "-w", "1", TARGET);
        JsonNode r = round(NetworkEngine.Spec.defaults(TARGET, 80).withMtu(false));
        System.out.println("traceroute -n -T -p 80 " + TARGET + "\n" + traceroute);
        List<String> lines = traceroute.lines().skip(1).toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains("10.80.1.2");
        assertThat(lines.get(2)).contains("10.80.4.2");
        assertThat(lines.get(3)).contains(TARGET);
        assertThePath(r.get("pathVis"));
    }

    private static void copyReadable(Path src, Path dst) throws IOException {
        if (Files.isDirectory(src)) {
            try (Stream<Path> s = Files.walk(src)) {
                for (Path f : s.toList()) {
                    Path to = dst.resolve(src.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(to);
                    else Files.copy(f, to);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        } else {
            Files.copy(src, dst);
            Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
