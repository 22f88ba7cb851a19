package dev.vantage.measure.sip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.Measurements;
import dev.vantage.measure.RunContext;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sip-server engine against real sipp UAS instances on loopback: OPTIONS answered 200 after a 300 ms pause,
 * REGISTER challenged (401, MD5, qop=auth) and accepted only when sipp's own verifyauth finds the digest right,
 * a proxy challenging with 407, a server answering 503, and servers that never answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SipServerEngineTest {
    /** sipp's pause before it answers OPTIONS in pbx.xml. */
    private static final long PAUSE_MS = 300;
    /** Loopback, two busy cores and sipp's scheduler: what an answer may add to the scenario's pause. */
    private static final long EPSILON_MS = 200;

    private final SipServerEngine engine = new SipServerEngine();
    private final List<AutoCloseable> peers = new ArrayList<>();
    private Path dir;
    private Sipp pbxUdp, pbxTcp, proxyUdp, unavailableUdp, silentUdp, silentTcp, plainTcp, tryingTcp, tryingUdp;
    private TlsFront pbxTls;

    @BeforeAll
    void startSipp() throws Exception {
        dir = Files.createTempDirectory("vantage-sipp");
        try {
            pbxUdp = start("pbx.xml", "UDP");
            pbxTcp = start("pbx.xml", "TCP");
            proxyUdp = start("proxy.xml", "UDP");
            unavailableUdp = start("unavailable.xml", "UDP");
            silentUdp = start("silent.xml", "UDP");
            silentTcp = start("silent.xml", "TCP");
            // sipp -t t1 ends its whole run when a TCP peer resets a connection, as a failed TLS client does
            plainTcp = start("silent.xml", "TCP");
            tryingTcp = start("trying.xml", "TCP", "-d", Long.toString(PAUSE_MS));
            tryingUdp = start("trying.xml", "UDP", "-d", "2000");
            pbxTls = TlsFront.to(pbxTcp.port, dir);
            peers.add(pbxTls);
            // as an agent does before its first task: the first run of a JVM pays for class loading and JIT
            engine.run(spec(pbxUdp, d -> {}), RunContext.withTimeoutMillis(5_000, "warm-up"));
        } catch (Exception e) {
            stopSipp();
            throw e;
        }
    }

    private Sipp start(String scenario, String transport, String... extra) throws Exception {
        Sipp s = Sipp.uas(scenario, transport, dir, extra);
        peers.add(s);
        return s;
    }

    @AfterAll
    void stopSipp() throws Exception {
        for (AutoCloseable s : peers) s.close();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static SipSpec spec(Sipp sipp, Consumer<ObjectNode> fields) {
        ObjectNode d = Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1").put("port", sipp.port)
                .put("protocol", sipp.transport);
        fields.accept(d);
        return SipSpec.from(d);
    }

    private SipRecord run(SipSpec spec) throws InterruptedException {
        return engine.run(spec, RunContext.withTimeoutMillis(20_000, "test"));
    }

    private static Sipp pick(String transport, Sipp udp, Sipp tcp) {
        return transport.equals("UDP") ? udp : tcp;
    }

    @ParameterizedTest
    @ValueSource(strings = {"UDP", "TCP"})
    void optionsIsAnswered200AndTheTimingsHoldTheScenariosPause(String transport) throws Exception {
        Sipp sipp = pick(transport, pbxUdp, pbxTcp);
        SipRecord r = run(spec(sipp, d -> {}));

        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.availability()).isEqualTo(100.0);
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.serverIp()).isEqualTo("127.0.0.1");
        assertThat(r.dnsTime()).as("an IP literal is not looked up").isNull();
        assertThat(r.registerTime()).isNull();
        assertThat(r.waitTime()).isBetween(PAUSE_MS, PAUSE_MS + EPSILON_MS);
        assertThat(r.responseTime()).isBetween(PAUSE_MS, PAUSE_MS + EPSILON_MS).isGreaterThanOrEqualTo(r.waitTime());
        assertThat(r.optionsTime()).isBetween(PAUSE_MS, PAUSE_MS + EPSILON_MS);
        assertThat(r.totalTime()).isGreaterThanOrEqualTo(r.responseTime());
        if (transport.equals("UDP")) {
            assertThat(r.connectTime()).isNull();
        } else {
            assertThat(r.connectTime()).isNotNull().isLessThan(EPSILON_MS);
        }
        assertThat(r.optionsRequest()).startsWith("OPTIONS sip:127.0.0.1:" + sipp.port
                        + (transport.equals("UDP") ? "" : ";transport=tcp") + " SIP/2.0\r\n")
                .containsPattern("\r\nVia: SIP/2.0/" + transport + " 127\\.0\\.0\\.1:\\d+;branch=z9hG4bK[0-9a-f]+;rport\r\n")
                .contains("\r\nMax-Forwards: 70\r\n", "\r\nCSeq: 1 OPTIONS\r\n", "\r\nContent-Length: 0\r\n\r\n")
                .containsPattern("\r\nFrom: <sip:vantage@127\\.0\\.0\\.1>;tag=[0-9a-f]+\r\n")
                .containsPattern("\r\nCall-ID: [0-9a-f]+@vantage\r\n");
        assertThat(r.optionsResponse()).startsWith("SIP/2.0 200 OK\r\n").contains("Server: sipp-vantage-pbx");

        // sipp got this very request once (answered within T1, so no retransmission on UDP either)
        String callId = header(r.optionsRequest(), "Call-ID");
        assertThat(sipp.received("OPTIONS")).filteredOn(m -> m.contains(callId)).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"UDP", "TCP"})
    void registerAnswersThe401ChallengeAndSippVerifiesTheDigest(String transport) throws Exception {
        Sipp sipp = pick(transport, pbxUdp, pbxTcp);
        SipRecord r = run(spec(sipp, d -> d.put("registerEnabled", 1).put("user", "1001").put("authUser", "alice")
                .put("password", "s3cret")));

        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.availability()).isEqualTo(100.0);
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.authUser()).isEqualTo("alice");
        assertThat(r.registerTime()).isNotNull().isLessThan(EPSILON_MS);
        assertThat(r.totalTime()).isGreaterThanOrEqualTo(r.optionsTime() + r.registerTime());

        // Two REGISTERs on one Call-ID: the first bare, the second (CSeq + 1) with the digest sipp accepted with 200
        Map<String, List<String>> byCallId = new java.util.LinkedHashMap<>();
        for (String m : sipp.received("REGISTER")) byCallId.computeIfAbsent(header(m, "Call-ID"), k -> new ArrayList<>()).add(m);
        List<String> ours = byCallId.values().stream()
                .filter(ms -> ms.stream().anyMatch(m -> m.contains("Via: SIP/2.0/" + transport))).toList().getLast();
        assertThat(ours).hasSize(2);
        String first = ours.get(0), second = ours.get(1);
        assertThat(first).startsWith("REGISTER sip:127.0.0.1:" + sipp.port).doesNotContain("Authorization:")
                .contains("From: <sip:1001@127.0.0.1>", "To: <sip:1001@127.0.0.1>", "Expires: 60");
        int cseq = Integer.parseInt(header(first, "CSeq").split(" ")[0]);
        assertThat(header(second, "CSeq")).isEqualTo((cseq + 1) + " REGISTER");
        assertThat(header(second, "From")).isEqualTo(header(first, "From"));
        assertThat(branch(second)).isNotEqualTo(branch(first));
        assertThat(header(second, "Authorization")).startsWith("Digest username=\"alice\", realm=\"vantage.test\"")
                .contains("nonce=\"3f1c9e0a5b7d4c2e8a6f0b1d2c3e4f5a\"", "algorithm=MD5", "opaque=\"op4que\"",
                        "qop=auth", "nc=00000001")
                .containsPattern("cnonce=\"[0-9a-f]{16}\"");
        String callId = header(second, "Call-ID");
        assertThat(sipp.sent()).anyMatch(m -> m.startsWith("SIP/2.0 200 OK") && m.contains(callId)
                && m.contains("CSeq: " + (cseq + 1) + " REGISTER"));
    }

    @Test
    void tlsThroughARealTlsServerInFrontOfSipp() throws Exception {
        SipRecord r = run(SipSpec.from(Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1")
                .put("port", pbxTls.port).put("protocol", "TLS").put("registerEnabled", 1).put("user", "alice")
                .put("password", "s3cret")));
        assertThat(r.errorType()).as(r.problemDetail() + "\n" + pbxTls.log() + pbxTcp.output()).isEqualTo("None");
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.connectTime()).as("TCP + TLS handshake").isNotNull();
        assertThat(r.waitTime()).isBetween(PAUSE_MS, PAUSE_MS + EPSILON_MS);
        assertThat(r.optionsRequest()).startsWith("OPTIONS sip:127.0.0.1:" + pbxTls.port + ";transport=tls SIP/2.0\r\n")
                .contains("Via: SIP/2.0/TLS ", ";transport=tls>");
        // sipp (behind the TLS server) verified the digest of the REGISTER that came over TLS
        String callId = header(r.optionsRequest(), "Call-ID");
        assertThat(pbxTcp.received("OPTIONS")).anyMatch(m -> m.contains(callId) && m.contains("Via: SIP/2.0/TLS"));
        assertThat(pbxTcp.sent()).anyMatch(m -> m.startsWith("SIP/2.0 200 OK") && m.contains("REGISTER")
                && m.contains("Via: SIP/2.0/TLS"));
    }

    @Test
    void tlsToAPlainSipPortIsAnSslFailure() throws Exception {
        SipRecord r = engine.run(SipSpec.from(Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1")
                .put("port", plainTcp.port).put("protocol", "TLS")), RunContext.withTimeoutMillis(1_500, "test"));
        assertThat(r.errorType()).isEqualTo("SSL");
        assertThat(r.connectTime()).isNull();
        assertThat(r.problemDetail()).satisfiesAnyOf(
                d -> assertThat(d).matches("no TLS handshake within 1[45]\\d\\d ms"),
                d -> assertThat(d).startsWith("TLS handshake with 127.0.0.1:" + plainTcp.port + " (TLS) failed"));
    }

    @Test
    void aProvisionalResponseEndsTheWaitButNotTheExchange() throws Exception {
        SipRecord r = run(spec(tryingTcp, d -> {}));
        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.waitTime()).as("100 Trying came at once").isLessThan(EPSILON_MS);
        assertThat(r.optionsTime()).isBetween(PAUSE_MS, PAUSE_MS + EPSILON_MS);
        assertThat(r.optionsResponse()).startsWith("SIP/2.0 100 Trying\r\n").contains("\nSIP/2.0 200 OK\r\n");
    }

    @Test
    void onUdpAProvisionalResponseSlowsRetransmissionsToT2() throws Exception {
        // 100 Trying at once, 200 after 2 s: Timer E fires at 0.5 s (retransmit) and then waits T2 = 4 s, so sipp
        // sees 2 copies; without the 100 it would have seen 3 (at 0, 0.5 and 1.5 s).
        SipRecord r = run(spec(tryingUdp, d -> {}));
        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.optionsTime()).isBetween(2_000L, 2_000L + EPSILON_MS);
        String callId = header(r.optionsRequest(), "Call-ID");
        assertThat(tryingUdp.received("OPTIONS")).filteredOn(m -> m.contains(callId)).hasSize(2);
    }

    @Test
    void aWrongPasswordIsRefusedAtTheRegisterStep() throws Exception {
        SipRecord r = run(spec(pbxUdp, d -> d.put("registerEnabled", 1).put("user", "alice").put("password", "wrong")));
        assertThat(r.errorType()).isEqualTo("SIP");
        assertThat(r.availability()).isEqualTo(0.0);
        assertThat(r.responseCode()).isEqualTo(403);
        assertThat(r.problemDetail()).isEqualTo("REGISTER answered SIP/2.0 403 Forbidden");
        assertThat(r.optionsTime()).isNotNull();
        assertThat(r.registerTime()).isNotNull();
    }

    @Test
    void aChallengeWithoutAPasswordIsReported() throws Exception {
        SipRecord r = run(spec(pbxTcp, d -> d.put("registerEnabled", 1).put("user", "alice")));
        assertThat(r.errorType()).isEqualTo("SIP");
        assertThat(r.responseCode()).isEqualTo(401);
        assertThat(r.problemDetail())
                .isEqualTo("REGISTER answered SIP/2.0 401 Unauthorized (the test has no password to answer the challenge)");
    }

    @Test
    void aProxyChallengeIsAnsweredWithTheStrongestDigestThroughTheOutboundProxy() throws Exception {
        // The registrar's name is never resolved: the requests go to the outbound proxy (sipp) instead.
        SipRecord r = run(spec(proxyUdp, d -> d.put("sipRegistrar", "pbx.vantage.test").put("sipProxy", "127.0.0.1")
                .put("user", "bob").put("password", "pr0xy")));
        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.serverIp()).isEqualTo("127.0.0.1");
        assertThat(r.authUser()).isEqualTo("bob");
        String[] requests = r.optionsRequest().split("\n(?=OPTIONS )");
        String[] responses = r.optionsResponse().split("\n(?=SIP/2\\.0 )");
        assertThat(requests).hasSize(2);
        assertThat(responses).hasSize(2);
        assertThat(responses[0]).startsWith("SIP/2.0 407 Proxy Authentication Required");
        assertThat(responses[1]).startsWith("SIP/2.0 200 OK");
        assertThat(requests[0]).startsWith("OPTIONS sip:pbx.vantage.test:" + proxyUdp.port + " SIP/2.0");

        // What sipp received carries a SHA-256 digest (preferred over the MD5 challenge) that is right for bob/pr0xy
        String callId = header(requests[1], "Call-ID");
        String authenticated = proxyUdp.received("OPTIONS").stream()
                .filter(m -> m.contains(callId) && m.contains("Proxy-Authorization:")).findFirst().orElseThrow();
        String auth = header(authenticated, "Proxy-Authorization");
        assertThat(auth).contains("algorithm=SHA-256", "nonce=\"7c1e5a9f3b2d4e6a\"", "opaque=\"px0\"", "qop=auth,");
        Map<String, String> p = DigestAuth.params(auth.substring("Digest ".length()));
        String ha1 = sha256("bob:proxy.vantage.test:pr0xy");
        String ha2 = sha256("OPTIONS:" + p.get("uri"));
        assertThat(p.get("uri")).isEqualTo("sip:pbx.vantage.test:" + proxyUdp.port);
        assertThat(p.get("response")).isEqualTo(sha256(ha1 + ":7c1e5a9f3b2d4e6a:" + p.get("nc") + ":" + p.get("cnonce")
                + ":auth:" + ha2));
    }

    @Test
    void a503IsAFailureUnlessOptionsRegexExpectsIt() throws Exception {
        SipRecord r = run(spec(unavailableUdp, d -> {}));
        assertThat(r.errorType()).isEqualTo("SIP");
        assertThat(r.availability()).isEqualTo(0.0);
        assertThat(r.responseCode()).isEqualTo(503);
        assertThat(r.problemDetail()).isEqualTo("OPTIONS answered SIP/2.0 503 Service Unavailable");
        assertThat(r.responseTime()).isNotNull();

        SipRecord expected = run(spec(unavailableUdp, d -> d.put("optionsRegex", "^SIP/2\\.0 503 ")));
        assertThat(expected.errorType()).as(expected.problemDetail()).isEqualTo("None");
        assertThat(expected.availability()).isEqualTo(100.0);
        assertThat(expected.responseCode()).isEqualTo(503);

        SipRecord mismatch = run(spec(pbxUdp, d -> d.put("optionsRegex", "Server: asterisk")));
        assertThat(mismatch.errorType()).isEqualTo("Content");
        assertThat(mismatch.responseCode()).isEqualTo(200);
        assertThat(mismatch.problemDetail())
                .isEqualTo("OPTIONS: the response (SIP/2.0 200 OK) did not match the regex Server: asterisk");
    }

    @Test
    void aSilentServerOnUdpTimesOutAfterTimerERetransmissions() throws Exception {
        long t0 = System.nanoTime();
        SipRecord r = run(spec(silentUdp, d -> d.put("sipTimeLimit", 5)));
        long elapsed = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.errorType()).isEqualTo("Timeout");
        assertThat(r.availability()).isEqualTo(0.0);
        // sent at 0, 0.5, 1.5 and 3.5 s; the next (7.5 s) would be past the 5 s limit
        assertThat(r.problemDetail()).isEqualTo("OPTIONS: no response within 5 s (4 transmissions)");
        assertThat(r.responseCode()).isNull();
        assertThat(r.responseTime()).isNull();
        assertThat(r.totalTime()).isNull();
        assertThat(elapsed).isBetween(5_000L, 5_000L + EPSILON_MS);
        String callId = header(r.optionsRequest(), "Call-ID");
        List<String> got = silentUdp.received("OPTIONS").stream().filter(m -> m.contains(callId)).toList();
        assertThat(got).hasSize(4).allMatch(m -> m.equals(got.getFirst()), "a retransmission is the same request");
    }

    @Test
    void aSilentServerOnTcpTimesOutAtTheRunDeadlineWithoutRetransmitting() throws Exception {
        long t0 = System.nanoTime();
        SipRecord r = engine.run(spec(silentTcp, d -> {}), RunContext.withTimeoutMillis(1_500, "test"));
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.errorType()).isEqualTo("Timeout");
        assertThat(r.problemDetail()).matches("OPTIONS: no response within 1[45]\\d\\d ms");
        assertThat(r.connectTime()).isNotNull();
        assertThat(elapsed).isBetween(1_400L, 1_500L + EPSILON_MS);
        String callId = header(r.optionsRequest(), "Call-ID");
        assertThat(silentTcp.received("OPTIONS")).filteredOn(m -> m.contains(callId)).hasSize(1);
    }

    @Test
    void closedPortsAreConnectFailures() throws Exception {
        int udpPort;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            udpPort = s.getLocalPort();
        }
        SipRecord udp = run(SipSpec.from(Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1")
                .put("port", udpPort).put("protocol", "UDP")));
        assertThat(udp.errorType()).isEqualTo("Connect");
        assertThat(udp.problemDetail()).isEqualTo("OPTIONS: 127.0.0.1:" + udpPort + " (UDP) is unreachable (ICMP port unreachable)");

        int tcpPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tcpPort = s.getLocalPort();
        }
        SipRecord tcp = run(SipSpec.from(Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1")
                .put("port", tcpPort).put("protocol", "TCP")));
        assertThat(tcp.errorType()).isEqualTo("Connect");
        assertThat(tcp.problemDetail()).startsWith("cannot connect to 127.0.0.1:" + tcpPort + " (TCP)");
        assertThat(tcp.connectTime()).isNull();
    }

    @Test
    void aHostNameIsResolvedAndTimed() throws Exception {
        SipRecord r = run(spec(pbxUdp, d -> d.put("sipRegistrar", "localhost")));
        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.dnsTime()).isNotNull();
        assertThat(r.responseTime()).isGreaterThanOrEqualTo(r.waitTime() + r.dnsTime() - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"UDP", "TCP"})
    void requestsLeaveFromTheSourceAddress(String transport) throws Exception {
        Sipp sipp = pick(transport, pbxUdp, pbxTcp);
        SipRecord r = run(spec(sipp, d -> d.put("sourceIpAddress", "127.0.0.2")));
        assertThat(r.errorType()).as(r.problemDetail()).isEqualTo("None");
        assertThat(r.optionsRequest()).containsPattern("Via: SIP/2.0/" + transport + " 127\\.0\\.0\\.2:\\d+;")
                .contains("Contact: <sip:vantage@127.0.0.2:");
    }

    @Test
    void measurementsAddTheNetworkLayerToTheSameHop() throws Exception {
        // UDP: the network layer's TCP probes meet a closed TCP port (a RST is an answer) and leave sipp alone
        ObjectNode d = Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1").put("port", pbxUdp.port)
                .put("protocol", "UDP").put("networkMeasurements", 1);
        Map<DataKind, List<ObjectNode>> out = Measurements.run("sip-server", d, RunContext.withTimeoutMillis(20_000, "t"));
        assertThat(out).containsKeys(DataKind.VOICE_SIP_SERVER, DataKind.NET_METRICS);
        ObjectNode sip = out.get(DataKind.VOICE_SIP_SERVER).getFirst();
        assertThat(sip.get("errorType").asText()).isEqualTo("None");
        assertThat(sip.has("registerTime")).as("not measured → omitted").isFalse();
        assertThat(out.get(DataKind.NET_METRICS).getFirst().get("server").asText()).isEqualTo("127.0.0.1:" + pbxUdp.port);

        d.put("networkMeasurements", 0);
        assertThat(Measurements.run("sip-server", d, RunContext.withTimeoutMillis(20_000, "t")))
                .containsOnlyKeys(DataKind.VOICE_SIP_SERVER);
    }

    private static final Pattern BRANCH = Pattern.compile("branch=([^;\\s]+)");

    private static String branch(String message) {
        Matcher m = BRANCH.matcher(header(message, "Via"));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String header(String message, String name) {
        for (String line : message.split("\r?\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) return line.substring(name.length() + 1).strip();
        }
        throw new AssertionError("no " + name + " header in\n" + message);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
