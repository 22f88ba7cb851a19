package dev.vantage.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Two server replicas on one PostgreSQL: one rate-limit count, one queue, one set of tests. */
class ReplicaTest {
    static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";
    final String schema = "vantage_replica_" + Long.toHexString(System.nanoTime());

    @AfterEach
    void dropSchema() throws Exception {
        try (Connection c = DriverManager.getConnection(PG, "postgres", null)) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Test
    void replicasShareLimitsTestsAndTheQueue(@TempDir Path dir) {
        ServerConfig config = ServerConfig.defaults(dir).withPort(0)
                .withDatabase(PG + "?currentSchema=" + schema, "postgres", null)
                .withRateLimits(true, 1000, 100)
                .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(20));
        try (TestWorld a = new TestWorld(config); TestWorld b = new TestWorld(config)) {
            int agent = a.agent("replica-agent");
            // the organization window is one count across both replicas
            Http.Reply first = a.admin.get("/v6/agents");
            Http.Reply second = b.admin.get("/v6/agents");
            Http.Reply third = a.admin.get("/v6/agents");
            if (first.header("X-Organization-Rate-Limit-Reset").equals(third.header("X-Organization-Rate-Limit-Reset"))) {
                int r1 = Integer.parseInt(first.header("X-Organization-Rate-Limit-Remaining"));
                assertThat(Integer.parseInt(second.header("X-Organization-Rate-Limit-Remaining"))).isEqualTo(r1 - 1);
                assertThat(Integer.parseInt(third.header("X-Organization-Rate-Limit-Remaining"))).isEqualTo(r1 - 2);
            }
            // a test created on A is served by B, and B hands its task to an agent polling B
            Http.Reply created = a.admin.post("/v6/instant/http-server",
                    "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agent + "}],\"networkMeasurements\":0}");
            assertThat(created.status()).isEqualTo(201);
            int testId = created.json().get("test").get(0).get("testId").asInt();
            assertThat(b.admin.get("/v6/tests/" + testId).status()).isEqualTo(200);
            JsonNode tasks = b.poll(agent);
            assertThat(tasks).hasSize(1);
            assertThat(a.poll(agent)).isEmpty();
            b.upload(agent, tasks.get(0).get("taskId").asLong(), Map.of("WEB_HTTP_SERVER", List.of(ContractTest.record(200, "x"))));
            assertThat(a.admin.get("/v6/web/http-server/" + testId).json().get("web").get("httpServer")).hasSize(1);
        }
    }
}
