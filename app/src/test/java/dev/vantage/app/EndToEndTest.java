package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole house over real HTTP: a server on port 0 with its own data directory, a target site on loopback, and
 * an agent in a separate JVM (`vantage agent`) that dials in like any remote agent would.
 */
class EndToEndTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private TargetServer target;

    @BeforeEach
    void target() throws Exception {
        target = new TargetServer();
        cleanup.add(target);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        cleanup.add(closeable);
        return closeable;
    }

    private static JsonNode agentNamed(V6Client v6, String name) {
        V6Client.Reply reply = v6.get("/v6/agents");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        for (JsonNode agent : reply.json().path("agents")) {
            if (name.equals(agent.path("agentName").asText())) return agent;
        }
        return null;
    }

    private static int createHttpTest(V6Client v6, int agentId, String url) {
        V6Client.Reply created = v6.post("/v6/instant/http-server",
                "{\"agents\":[{\"agentId\":" + agentId + "}],\"url\":\"" + url + "\",\"networkMeasurements\":0}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode test = created.json().path("test").path(0);
        assertThat(test.path("type").asText()).isEqualTo("http-server");
        return test.path("testId").asInt();
    }

    private static List<JsonNode> httpRecords(V6Client v6, int testId, String query) {
        V6Client.Reply reply = v6.get("/v6/web/http-server/" + testId + query);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return StreamSupport.stream(reply.json().path("web").path("httpServer").spliterator(), false).toList();
    }

    @Test
    void anAgentInItsOwnProcessRunsAnInstantTestAndItsRerun() throws Exception {
        TestServer server = closeLater(TestServer.start(tmp.resolve("data"), Duration.ofSeconds(5)));
        V6Client v6 = closeLater(server.client());
        AgentProcess agent = closeLater(new AgentProcess(tmp, server.baseUrl(), server.agentToken(), "e2e-remote"));

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(agent.alive()).as(agent.output()).isTrue();
            JsonNode listed = agentNamed(v6, "e2e-remote");
            assertThat(listed).as(agent.output()).isNotNull();
            assertThat(listed.path("agentState").asText()).isEqualTo("Online");
        });
        JsonNode listed = agentNamed(v6, "e2e-remote");
        int agentId = listed.path("agentId").asInt();
        assertThat(listed.path("hostname").asText()).isEqualTo(dev.vantage.agent.HostInfo.hostname());
        assertThat(listed.path("ipAddresses")).isNotEmpty();
        assertThat(listed.path("location").asText()).isEqualTo("E2E Lab");

        int testId = createHttpTest(v6, agentId, target.url());
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(httpRecords(v6, testId, "")).as(agent.output()).hasSize(1));
        JsonNode first = httpRecords(v6, testId, "").getFirst();
        assertThat(first.path("agentId").asInt()).isEqualTo(agentId);
        assertThat(first.path("responseCode").asInt()).isEqualTo(200);
        assertThat(first.path("totalTime").isNumber()).isTrue();
        assertThat(first.path("connectTime").isNumber()).isTrue();
        assertThat(target.hits.get()).isGreaterThanOrEqualTo(1);

        V6Client.Reply rerun = v6.post("/v6/instant/" + testId + "/rerun", "");
        assertThat(rerun.status()).as(rerun.body()).isEqualTo(200);
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(httpRecords(v6, testId, "?window=1h")).as(agent.output()).hasSize(2));
        Set<Long> rounds = new HashSet<>();
        httpRecords(v6, testId, "?window=1h").forEach(r -> rounds.add(r.path("roundId").asLong()));
        assertThat(rounds).hasSize(2);
        assertThat(agent.output()).contains("connected to", "task", "finished in");

        agent.stop();
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(agentNamed(v6, "e2e-remote").path("agentState").asText()).isEqualTo("Offline"));
    }

    @Test
    void agentTokenWorksFromAnotherProcessWhileTheServerRuns() throws Exception {
        Path data = tmp.resolve("data");
        TestServer server = closeLater(TestServer.start(data, Duration.ofSeconds(5)));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                "dev.vantage.app.Main", "agent-token", "--data", data.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes()).strip();
        assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(out).isEqualTo(server.agentToken());
    }

    @Test
    void testsRoundsResultsAndQueuedTasksSurviveARestart() throws Exception {
        Path data = tmp.resolve("data");
        int agentId;
        int doneTestId;
        int queuedTestId;
        String token;
        try (TestServer server = TestServer.start(data, Duration.ofSeconds(5)); V6Client v6 = server.client()) {
            token = server.agentToken();
            try (Agent agent = new Agent(new AgentSettings(java.net.URI.create(server.baseUrl()), token,
                    "restart-agent", null, null, 2)).start()) {
                await().atMost(PATIENCE).until(() -> agent.agentId() > 0);
                agentId = agent.agentId();
                doneTestId = createHttpTest(v6, agentId, target.url());
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(httpRecords(v6, doneTestId, "")).hasSize(1));
            }
            // No agent connected now: this test's task waits in the durable queue.
            queuedTestId = createHttpTest(v6, agentId, target.url());
            assertThat(httpRecords(v6, queuedTestId, "")).isEmpty();
        }

        try (TestServer server = TestServer.start(data, Duration.ofSeconds(5)); V6Client v6 = server.client()) {
            assertThat(server.agentToken()).isEqualTo(token);
            V6Client.Reply test = v6.get("/v6/tests/" + doneTestId);
            assertThat(test.status()).as(test.body()).isEqualTo(200);
            JsonNode record = httpRecords(v6, doneTestId, "").getFirst();
            assertThat(record.path("responseCode").asInt()).isEqualTo(200);
            assertThat(record.path("agentId").asInt()).isEqualTo(agentId);
            assertThat(httpRecords(v6, queuedTestId, "")).isEmpty();

            int hitsBefore = target.hits.get();
            try (Agent agent = new Agent(new AgentSettings(java.net.URI.create(server.baseUrl()), token,
                    "restart-agent", null, null, 2)).start()) {
                await().atMost(PATIENCE).untilAsserted(() ->
                        assertThat(httpRecords(v6, queuedTestId, "")).hasSize(1));
                assertThat(agent.agentId()).isEqualTo(agentId);
            }
            assertThat(httpRecords(v6, queuedTestId, "").getFirst().path("responseCode").asInt()).isEqualTo(200);
            assertThat(target.hits.get()).isGreaterThan(hitsBefore);
        }
    }
}
