package dev.vantage.app;

import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.agentapi.AgentApi;
import dev.vantage.server.store.Store;
import dev.vantage.server.store.Stores;
import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The agent process code against the real agent API and store over loopback HTTP. */
class AgentSessionTest {
    @TempDir
    Path data;

    private Store store;
    private AgentApi api;
    private Javalin app;
    private Store.Organization org;

    private void startServer(int port) {
        ServerConfig config = ServerConfig.defaults(data).withPort(port)
                .withTimings(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5));
        store = Stores.open(config);
        org = store.organizations().stream().findFirst()
                .orElseGet(() -> store.createOrganization("Acme", "agent-token-acme", 240, 24));
        if (store.accountGroups(org.orgId()).isEmpty()) store.createAccountGroup(org.orgId(), "Default");
        api = new AgentApi(store, config, Clock.systemUTC());
        app = Javalin.create(c -> c.showJavalinBanner = false);
        api.register(app);
        app.start("127.0.0.1", port);
        api.start();
    }

    @AfterEach
    void stopServer() {
        if (api != null) api.close();
        if (app != null) app.stop();
        if (store != null) store.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Store.CreatedTest queueTest(int agentId) {
        int aid = store.accountGroups(org.orgId()).getFirst().aid();
        Instant now = Instant.now();
        Store.CreatedTest created = store.createTest(aid, "http-server",
                Json.MAPPER.createObjectNode().put("type", "http-server").put("url", "http://127.0.0.1:9/")
                        .put("networkMeasurements", 0),
                Json.MAPPER.createObjectNode(), List.of(agentId), true, "t", now, now.getEpochSecond(),
                now.plusSeconds(60));
        api.signals().tasksQueued(List.of(agentId));
        return created;
    }

    @Test
    void theAgentRunsAQueuedTaskAndItsResultIsStored() throws Exception {
        startServer(0);
        try (Agent agent = new Agent(new AgentSettings(URI.create("http://127.0.0.1:" + app.port()),
                org.agentToken(), "session-agent", "Lab", "DE", 2)).start()) {
            int agentId = agent.awaitConnected(Duration.ofSeconds(10));
            assertThat(agentId).isPositive();
            Store.Agent stored = store.agent(agentId).orElseThrow();
            assertThat(stored.name()).isEqualTo("session-agent");
            assertThat(stored.ipAddresses()).isNotEmpty();
            assertThat(stored.countryId()).isEqualTo("DE");

            Store.CreatedTest created = queueTest(agentId);
            // Whatever the engine saw (here: a closed port), the server holds a record for the round.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(store.result(
                    created.test().testId(), agentId, created.roundId(), DataKind.WEB_HTTP_SERVER)).isPresent());
            assertThat(store.openTaskCount(agentId)).isZero();
        }
    }

    @Test
    void theAgentWaitsForAServerThatIsNotUpYet() throws Exception {
        int port = freePort();
        try (Agent agent = new Agent(new AgentSettings(URI.create("http://127.0.0.1:" + port), "agent-token-acme",
                "early-agent", null, null, 1)).start()) {
            assertThat(agent.awaitConnected(Duration.ofMillis(600))).isEqualTo(-1);
            startServer(port);
            assertThat(agent.awaitConnected(Duration.ofSeconds(20))).isPositive();
        }
    }

    @Test
    void aWrongTokenEndsTheSessionWithTheServersReason() throws Exception {
        startServer(0);
        try (Agent agent = new Agent(new AgentSettings(URI.create("http://127.0.0.1:" + app.port()), "wrong-token",
                "lost-agent", null, null, 1)).start()) {
            Agent.Outcome outcome = agent.awaitEnd();
            assertThat(outcome).isInstanceOfSatisfying(Agent.Outcome.Refused.class,
                    refused -> assertThat(refused.reason()).contains("401", "invalid agent token"));
        }
    }
}
