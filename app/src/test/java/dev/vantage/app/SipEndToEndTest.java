package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A sip-server instant test through the whole house: the v6 API on a real server, an agent that dials in, and a
 * real sipp registrar (OPTIONS 200 after 300 ms; REGISTER challenged with 401 and accepted when sipp's verifyauth
 * finds the digest of alice/s3cret right).
 */
class SipEndToEndTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Process sipp;

    @AfterEach
    void stopSipp() throws InterruptedException {
        if (sipp != null) {
            sipp.destroy();
            if (!sipp.waitFor(5, TimeUnit.SECONDS)) sipp.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anInstantSipServerTestRegistersThroughTheAgentAndItsRecordsAreServed() throws Exception {
        int port = startSipp();
        try (TestServer server = TestServer.start(tmp.resolve("data"), Duration.ofSeconds(5));
             V6Client v6 = server.client();
             Agent agent = new Agent(new AgentSettings(URI.create(server.baseUrl()), server.agentToken(),
                     "sip-agent", null, null, 2)).start()) {
            await().atMost(PATIENCE).until(() -> agent.agentId() > 0);

            V6Client.Reply created = v6.post("/v6/instant/sip-server", """
                    {"testName":"pbx","agents":[{"agentId":%d}],"registerEnabled":1,"networkMeasurements":1,
                     "targetSipCredentials":{"sipRegistrar":"127.0.0.1","port":%d,"protocol":"UDP","user":"1001",
                       "authUser":"alice","password":"s3cret"}}""".formatted(agent.agentId(), port));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            JsonNode test = created.json().path("test").path(0);
            assertThat(test.path("type").asText()).isEqualTo("sip-server");
            assertThat(test.path("sipRegistrar").asText()).isEqualTo("127.0.0.1");
            assertThat(test.path("server").asText()).isEqualTo("127.0.0.1:" + port);
            assertThat(test.path("protocol").asText()).isEqualTo("UDP");
            assertThat(test.has("password")).as("never echoed").isFalse();
            assertThat(test.has("targetSipCredentials")).isFalse();
            int testId = test.path("testId").asInt();

            await().atMost(PATIENCE).untilAsserted(() ->
                    assertThat(v6.get("/v6/voice/sip-server/" + testId).json().path("voice").has("sipMetrics")).isTrue());
            V6Client.Reply data = v6.get("/v6/voice/sip-server/" + testId);
            assertThat(data.status()).isEqualTo(200);
            assertThat(data.json().path("voice").path("test").path("testId").asInt()).isEqualTo(testId);
            List<JsonNode> records = java.util.stream.StreamSupport.stream(
                    data.json().path("voice").path("sipMetrics").spliterator(), false).toList();
            assertThat(records).hasSize(1);
            JsonNode r = records.getFirst();
            assertThat(r.path("agentId").asInt()).isEqualTo(agent.agentId());
            assertThat(r.path("errorType").asText()).as(r.toString()).isEqualTo("None");
            assertThat(r.path("availability").asDouble()).isEqualTo(100.0);
            assertThat(r.path("responseCode").asInt()).isEqualTo(200);
            assertThat(r.path("authUser").asText()).isEqualTo("alice");
            assertThat(r.path("serverIp").asText()).isEqualTo("127.0.0.1");
            assertThat(r.path("optionsTime").asLong()).isBetween(300L, 500L);
            assertThat(r.path("registerTime").isNumber()).isTrue();
            assertThat(r.path("totalTime").asLong()).isGreaterThanOrEqualTo(r.path("optionsTime").asLong());
            assertThat(r.path("optionsRequest").asText()).startsWith("OPTIONS sip:127.0.0.1:" + port + " SIP/2.0");
            assertThat(r.has("connectTime")).as("UDP has no connect phase").isFalse();
            assertThat(r.has("roundId")).isTrue();

            // networkMeasurements=1: the network layer probed the same host and port
            await().atMost(PATIENCE).untilAsserted(() ->
                    assertThat(v6.get("/v6/net/metrics/" + testId).json().path("net").path("metrics")).hasSize(1));
        }
    }

    @Test
    void theCatalogueRefusesBadSipTestsWithClearMessages() throws Exception {
        try (TestServer server = TestServer.start(tmp.resolve("data"), Duration.ofSeconds(5));
             V6Client v6 = server.client();
             Agent agent = new Agent(new AgentSettings(URI.create(server.baseUrl()), server.agentToken(),
                     "sip-agent", null, null, 2)).start()) {
            await().atMost(PATIENCE).until(() -> agent.agentId() > 0);
            String agents = "\"agents\":[{\"agentId\":" + agent.agentId() + "}]";
            assertRefused(v6, "{" + agents + "}", "targetSipCredentials is required");
            assertRefused(v6, "{" + agents + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":80}}",
                    "targetSipCredentials.port must be an integer between 1024 and 65535, got 80");
            assertRefused(v6, "{" + agents + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":5060,"
                    + "\"protocol\":\"SCTP\"}}", "targetSipCredentials.protocol must be one of TCP, TLS, UDP, got \"SCTP\"");
            assertRefused(v6, "{" + agents + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":5060},"
                    + "\"sipTimeLimit\":30}", "sipTimeLimit must be an integer between 5 and 10, got 30");
            assertRefused(v6, "{" + agents + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":5060},"
                    + "\"optionsRegex\":\"[\"}", "optionsRegex");
        }
    }

    private static void assertRefused(V6Client v6, String body, String message) {
        V6Client.Reply reply = v6.post("/v6/instant/sip-server", body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().path("errorMessage").asText()).contains(message);
    }

    /** sipp as a UAS on a free loopback UDP port, running the registrar scenario from the test resources. */
    private int startSipp() throws Exception {
        Path scenario = tmp.resolve("pbx.xml");
        try (InputStream in = getClass().getResourceAsStream("/sip/pbx.xml")) {
            Files.copy(in, scenario);
        }
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort();
        }
        int control;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            control = probe.getLocalPort();
        }
        sipp = new ProcessBuilder("sipp", "-sf", scenario.toString(), "-i", "127.0.0.1", "-p", Integer.toString(port),
                "-t", "u1", "-cp", Integer.toString(control), "-nostdin", "-timeout", "120s")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("sipp.out").toFile()).start();
        String hexPort = String.format(Locale.ROOT, ":%04X ", port);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            assertThat(sipp.isAlive()).as(Files.readString(tmp.resolve("sipp.out"))).isTrue();
            return Files.readAllLines(Path.of("/proc/net/udp")).stream().anyMatch(l -> l.contains(hexPort));
        });
        return port;
    }
}
