package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.measure.testnet.TestNet;
import dev.vantage.server.Bootstrap;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agent-to-agent end to end on a real multi-hop network: agents A and B as separate JVMs (`vantage agent`) in two
 * network namespaces joined through a router namespace, the server in this JVM reached over a veth from the root
 * namespace into the router. nftables drops 30 % of what the router sends towards B, so A → B is lossy and B → A
 * is clean; everything goes through POST /v6/instant/agent-to-agent and GET /v6/net/metrics.
 */
class AgentToAgentNetworkTest {
    static final String EMAIL = "admin@pair.example";
    static final String TOKEN = "pairtoken0123456789abcdefghijklm";
    static final int LOSS_PERCENT = 30;

    @TempDir
    static Path dir;
    static TestNet net;
    static VantageServer server;
    static V6Client v6;
    static String nsA, nsB, router;
    static int agentA, agentB;

    @BeforeAll
    static void build() throws Exception {
        net = new TestNet();
        try {
            nsA = net.host("a");
            router = net.router("r");
            nsB = net.host("b");
            net.link(nsA, "10.97.1.1/24", router, "10.97.1.254/24");
            String[] towardB = net.link(router, "10.97.2.254/24", nsB, "10.97.2.1/24");
            net.route(nsA, "default", "10.97.1.254");
            net.route(nsB, "default", "10.97.2.254");
            // the server's link: a veth from the root namespace into the router (it goes when the router goes)
            String rootIf = "vp" + ProcessHandle.current().pid() + "s";
            sh("ip", "link", "add", rootIf, "type", "veth", "peer", "name", "vps", "netns", router);
            sh("ip", "addr", "add", "10.97.9.1/24", "dev", rootIf);
            sh("ip", "link", "set", rootIf, "up");
            net.run(router, "ip", "addr", "add", "10.97.9.254/24", "dev", "vps");
            net.run(router, "ip", "link", "set", "vps", "up");
            sh("ip", "route", "add", "10.97.1.0/24", "via", "10.97.9.254");
            sh("ip", "route", "add", "10.97.2.0/24", "via", "10.97.9.254");
            net.randomLoss(router, towardB[0], LOSS_PERCENT);
            // counts the probes the router forwards to B's responder marked AF41 (dscpId 34)
            net.nft(router, "add table inet vantage_dscp");
            net.nft(router, "add chain inet vantage_dscp seen { type filter hook forward priority 0 ; }");
            net.nft(router, "add rule inet vantage_dscp seen udp dport 49153 ip dscp af41 counter");
            net.nft(router, "add rule inet vantage_dscp seen udp sport 49153 ip dscp af41 counter");

            ServerConfig base = ServerConfig.defaults(dir.resolve("data")).withPort(0).withRateLimits(false, 240, 24)
                    .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(30));
            ServerConfig config = new ServerConfig("10.97.9.1", 0, base.dataDir(), null, null, null, null,
                    base.orgRateLimit(), base.instantRateLimit(), false, base.pollWait(), base.taskLease(),
                    base.agentOfflineAfter());
            server = ServerLauncher.start(config, new Bootstrap.AdminSeed(EMAIL, TOKEN, "9a1c2b3d-0c7d-4b8e-9a51-2d3c4b5a6f70"));
            v6 = new V6Client(server.baseUrl(), EMAIL, TOKEN);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            for (String[] agent : List.of(new String[] {nsA, "A"}, new String[] {nsB, "B"})) {
                net.start(agent[0], dir.resolve("agent-" + agent[1] + ".log"), java, "-Xmx256m", "-cp",
                        System.getProperty("java.class.path"), "dev.vantage.app.Main", "agent", "--server",
                        server.baseUrl(), "--token", server.agentToken(), "--name", agent[1]);
            }
            agentA = awaitAgent("A");
            agentB = awaitAgent("B");
        } catch (Throwable e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        if (v6 != null) v6.close();
        if (net != null) net.close(); // kills the agents, deletes the namespaces (and the server's veth with the router)
        if (server != null) server.close();
        if (net != null) assertThat(net.liveNamespaces()).isEmpty();
    }

    @Test
    void theLossyDirectionShowsTheLossAndTheCleanOneDoesNot() throws Exception {
        int testId = create("{\"agents\":[{\"agentId\":" + agentA + "}],\"targetAgentId\":" + agentB
                + ",\"protocol\":\"UDP\",\"direction\":\"BIDIRECTIONAL\",\"dscpId\":34}");
        List<JsonNode> both = awaitBothSides(testId, 2);
        // the probes left A marked with the test's DSCP: the router saw them so (before its drop rule)
        String counter = net.run(router, "nft", "list", "chain", "inet", "vantage_dscp", "seen");
        java.util.regex.Matcher packets = java.util.regex.Pattern.compile("packets (\\d+)").matcher(counter);
        assertThat(packets.find()).as(counter).isTrue();
        assertThat(Integer.parseInt(packets.group(1))).as(counter).isGreaterThanOrEqualTo(50);
        int reflectedMarked = packets.find() ? Integer.parseInt(packets.group(1)) : -1; // and B reflected them so
        assertThat(both).extracting(r -> r.path("direction").asText()).containsExactly("TO_TARGET", "FROM_TARGET");
        assertThat(both).allSatisfy(r -> {
            assertThat(r.path("agentId").asInt()).isEqualTo(agentA); // records belong to the source agent
            assertThat(r.has("errorDetails")).as(r.toString()).isFalse();
            assertThat(r.path("avgLatency").asDouble()).isBetween(-5.0, 5.0);
            assertThat(r.path("clockErrorBound").asDouble()).isLessThan(5.0);
        });
        JsonNode toTarget = both.get(0), fromTarget = both.get(1);
        assertThat(toTarget.path("probesSent").asInt()).isEqualTo(50);
        System.out.println("agent-to-agent A->B (30% loss on the router's egress toward B): " + toTarget);
        System.out.println("agent-to-agent B->A (clean): " + fromTarget);
        // 50 probes through a 30 % drop: lost ~ Binomial(50, 0.3), mean 15, sd 3.2; 5..27 lost is beyond 3 sd both ways
        assertThat(toTarget.path("loss").asDouble()).isBetween(10.0, 54.0);
        assertThat(toTarget.path("probeMethod").asText()).contains("measured at the target");
        // B -> A crosses no drop rule: every probe B reflected came back
        assertThat(fromTarget.path("loss").asDouble()).isEqualTo(0.0);
        assertThat(fromTarget.path("probesSent").asInt()).isEqualTo(toTarget.path("probesReceived").asInt());
        assertThat(reflectedMarked).isGreaterThanOrEqualTo(fromTarget.path("probesSent").asInt());

        // the direction parameter picks one side; the records are the same ones
        assertThat(records(testId, "?direction=TO_TARGET")).singleElement()
                .satisfies(r -> assertThat(r.path("loss")).isEqualTo(toTarget.path("loss")));
        assertThat(records(testId, "?direction=FROM_TARGET")).singleElement()
                .satisfies(r -> assertThat(r.path("direction").asText()).isEqualTo("FROM_TARGET"));
        assertThat(records(testId, "?direction=BIDIRECTIONAL")).hasSize(2);
        // path-vis: BIDIRECTIONAL is an error there
        assertThat(v6.get("/v6/net/path-vis/" + testId + "?direction=BIDIRECTIONAL").status()).isEqualTo(400);
        assertThat(v6.get("/v6/net/path-vis/" + testId + "?direction=FROM_TARGET").status()).isEqualTo(200);
        // and a path trace each way through the network engine: A's traces reach B (some may stop at the router,
        // whose link toward B drops 30 %), B's traces back to A all reach A
        JsonNode toB = pathVis(testId, "TO_TARGET"), toA = pathVis(testId, "FROM_TARGET");
        assertThat(toB.path("endpoints")).extracting(e -> e.path("ipAddress").asText()).contains("10.97.2.1");
        assertThat(toA.path("endpoints")).isNotEmpty()
                .allSatisfy(e -> assertThat(e.path("ipAddress").asText()).isEqualTo("10.97.1.1"));

        System.out.println("ping A->B: " + lastLines(net.run(nsA, "ping", "-q", "-c", "50", "-i", "0.05", "10.97.2.1")));
        System.out.println("ping B->A: " + lastLines(net.run(nsB, "ping", "-q", "-c", "50", "-i", "0.05", "10.97.1.1")));
    }

    @Test
    void aOneWayTestAnswersItsOwnDirectionAndRefusesTheOther() throws Exception {
        int testId = create("{\"agents\":[{\"agentId\":" + agentB + "}],\"targetAgentId\":" + agentA
                + ",\"protocol\":\"TCP\",\"direction\":\"TO_TARGET\"}");
        List<JsonNode> records = awaitBothSides(testId, 1);
        // B -> A is the clean direction; over TCP the kernel would retransmit anyway
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.path("direction").asText()).isEqualTo("TO_TARGET");
            assertThat(r.path("agentId").asInt()).isEqualTo(agentB);
            assertThat(r.path("loss").asDouble()).as(r.toString()).isEqualTo(0.0);
            assertThat(r.path("probeMethod").asText()).startsWith("TCP");
        });
        V6Client.Reply wrong = v6.get("/v6/net/metrics/" + testId + "?direction=FROM_TARGET");
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.json().path("errorMessage").asText()).contains("TO_TARGET only");
        // the target agent is not one of the test's agents in the v6 view
        JsonNode test = v6.get("/v6/tests/" + testId).json().path("test").path(0);
        assertThat(test.path("agents")).extracting(a -> a.path("agentId").asInt()).containsExactly(agentB);
        assertThat(test.path("server").asText()).isEqualTo("10.97.1.1:49153");
    }

    @Test
    void voiceOverTheCleanPathScoresTheCodecsBestMos() throws Exception {
        V6Client.Reply created = v6.post("/v6/instant/voice", "{\"agents\":[{\"agentId\":" + agentB
                + "}],\"targetAgentId\":" + agentA + ",\"codecId\":0,\"duration\":5}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        int testId = created.json().path("test").path(0).path("testId").asInt();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode stream = null;
        while (System.nanoTime() < end && stream == null) {
            JsonNode metrics = v6.get("/v6/voice/rtp-stream/" + testId).json().path("voice").path("metrics");
            if (metrics.size() > 0) stream = metrics.get(0);
            else Thread.sleep(250);
        }
        assertThat(stream).as("no rtp-stream record within 60 s\nA:\n" + log("A") + "\nB:\n" + log("B")).isNotNull();
        System.out.println("voice B->A (clean): " + stream);
        assertThat(stream.path("agentId").asInt()).isEqualTo(agentB); // the source agent's record
        assertThat(stream.path("codecName").asText()).isEqualTo("G.711 @ 64 Kbps");
        assertThat(stream.path("loss").asDouble()).isEqualTo(0.0);
        // the DSCP the packets arrived with at the target (the default dscpId 46, read with IP_RECVTOS)
        assertThat(stream.path("dscp").asInt()).isEqualTo(46);
        assertThat(stream.path("dscpName").asText()).isEqualTo("EF (DSCP 46)");
        assertThat(stream.has("errorDetail")).as(stream.toString()).isFalse();
        // Nothing is lost on this path. What can keep MOS from the codec's best is discards: packets held past the
        // 40 ms buffer by scheduler stalls of a loaded host (2 cores; seen 0-4 %). The MOS must be the E-model's for
        // what the receiver counted (mouth-to-ear stays under 100 ms here, so only Ppl = loss + discards matters),
        // and the codec's best when nothing was discarded.
        double discards = stream.path("discards").asDouble();
        assertThat(discards).isLessThan(15.0);
        var g711 = new dev.vantage.measure.voice.VoiceSpec(dev.vantage.model.codes.Codec.G711_64, 46, 5, 40, null,
                49152, null).profile();
        assertThat(stream.path("mos").asDouble()).isCloseTo(dev.vantage.measure.voice.EModel.mos(g711, discards, 50),
                org.assertj.core.data.Offset.offset(0.02));
        if (discards == 0) assertThat(stream.path("mos").asDouble()).isEqualTo(stream.path("codecMaxMos").asDouble());
        assertThat(stream.has("direction")).isFalse();
        List<JsonNode> net = records(testId, "");
        assertThat(net).singleElement().satisfies(r -> assertThat(r.path("loss").asDouble()).isEqualTo(0.0));
    }

    @Test
    void aTargetThatNeverAnswersIsReportedByTheSource() throws Exception {
        // an agent that said hello from an address where nothing listens, and never polls
        okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();
        int ghost;
        try (okhttp3.Response r = http.newCall(new okhttp3.Request.Builder().url(server.baseUrl() + "/agent/v1/hello")
                .header("Authorization", "Bearer " + server.agentToken())
                .post(okhttp3.RequestBody.create("{\"name\":\"ghost\",\"ipAddresses\":[\"10.97.2.1\"]}",
                        okhttp3.MediaType.get("application/json"))).build()).execute()) {
            ghost = dev.vantage.model.Json.MAPPER.readTree(r.body().string()).path("agentId").asInt();
        } finally {
            http.dispatcher().executorService().shutdown();
        }
        // its address is B's, but nobody there holds this round's token: B's agent is not this test's target
        int testId = create("{\"agents\":[{\"agentId\":" + agentA + "}],\"targetAgentId\":" + ghost
                + ",\"protocol\":\"UDP\",\"port\":49160}");
        long start = System.nanoTime();
        List<JsonNode> records = List.of();
        while (records.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(45)) {
            Thread.sleep(500);
            records = records(testId, "");
        }
        assertThat(records).as("the source's record within the contact time").singleElement().satisfies(r -> {
            assertThat(r.path("agentId").asInt()).isEqualTo(agentA);
            assertThat(r.path("direction").asText()).isEqualTo("TO_TARGET");
            assertThat(r.path("errorDetails").asText()).contains("did not answer");
            assertThat(r.has("loss")).isFalse();
        });
    }

    @Test
    void theTargetMustBeAnotherAgentOfTheOrganization() {
        V6Client.Reply self = v6.post("/v6/instant/agent-to-agent",
                "{\"agents\":[{\"agentId\":" + agentA + "}],\"targetAgentId\":" + agentA + "}");
        assertThat(self.status()).isEqualTo(400);
        V6Client.Reply unknown = v6.post("/v6/instant/agent-to-agent",
                "{\"agents\":[{\"agentId\":" + agentA + "}],\"targetAgentId\":999999}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("errorMessage").asText()).contains("targetAgentId");
    }

    private static int create(String body) {
        V6Client.Reply created = v6.post("/v6/instant/agent-to-agent", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("test").path(0).path("testId").asInt();
    }

    /** Waits for {@code directions} records whose TO_TARGET one is the target's own, i.e. both sides reported. */
    private static List<JsonNode> awaitBothSides(int testId, int directions) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<JsonNode> last = List.of();
        while (System.nanoTime() < end) {
            last = records(testId, "");
            boolean done = last.size() == directions && last.stream().allMatch(r ->
                    !r.path("direction").asText().equals("TO_TARGET")
                            || r.path("probeMethod").asText().contains("measured at the target"));
            if (done) return last;
            Thread.sleep(250);
        }
        throw new AssertionError("no joined records for test " + testId + " within 60 s; last: " + last
                + "\nagent A log:\n" + log("A") + "\nagent B log:\n" + log("B"));
    }

    /** The one path-vis summary record of a direction. */
    private static JsonNode pathVis(int testId, String direction) {
        V6Client.Reply reply = v6.get("/v6/net/path-vis/" + testId + "?direction=" + direction);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode records = reply.json().path("net").path("pathVis");
        assertThat(records).as(reply.body()).hasSize(1);
        assertThat(records.get(0).path("direction").asText()).isEqualTo(direction);
        return records.get(0);
    }

    private static List<JsonNode> records(int testId, String query) {
        V6Client.Reply reply = v6.get("/v6/net/metrics/" + testId + query);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return StreamSupport.stream(reply.json().path("net").path("metrics").spliterator(), false).toList();
    }

    private static int awaitAgent(String name) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            for (JsonNode agent : v6.get("/v6/agents").json().path("agents")) {
                if (name.equals(agent.path("agentName").asText())) return agent.path("agentId").asInt();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("agent " + name + " did not connect; its log:\n" + log(name));
    }

    private static String log(String name) {
        try {
            Path p = dir.resolve("agent-" + name + ".log");
            return Files.exists(p) ? Files.readString(p) : "(no log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String lastLines(String text) {
        String[] lines = text.strip().split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 2), lines.length));
    }

    private static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
