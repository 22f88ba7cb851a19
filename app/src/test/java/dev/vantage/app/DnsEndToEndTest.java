package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import dev.vantage.measure.EngineOptions;
import dev.vantage.measure.dns.PrivateDnsHierarchy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The DNS types through the whole house: POST /v6/instant/dns-server|dns-trace|dns-dnssec to a real server, run by
 * an agent whose root hints and trust anchor are a private BIND hierarchy, read back from the v6 data endpoints.
 */
class DnsEndToEndTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static PrivateDnsHierarchy dns;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startDns() throws Exception {
        dns = PrivateDnsHierarchy.start();
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) dns.close();
    }

    private static List<JsonNode> records(V6Client v6, String path, String layer, String key) {
        V6Client.Reply reply = v6.get(path);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return StreamSupport.stream(reply.json().path(layer).path(key).spliterator(), false).toList();
    }

    private static int create(V6Client v6, String type, String body) {
        V6Client.Reply created = v6.post("/v6/instant/" + type, body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("test").path(0).path("testId").asInt();
    }

    @Test
    void instantDnsTestsRunOnTheAgentAndTheirRecordsComeBackFromTheV6Endpoints() throws Exception {
        try (TestServer server = TestServer.start(tmp.resolve("data"), Duration.ofSeconds(5));
             V6Client v6 = server.client();
             Agent agent = new Agent(new AgentSettings(URI.create(server.baseUrl()), server.agentToken(), "dns-agent",
                     null, null, 4, new EngineOptions(dns.config()))).start()) {
            await().atMost(PATIENCE).until(() -> agent.agentId() > 0);
            String agents = "\"agents\":[{\"agentId\":" + agent.agentId() + "}]";

            V6Client.Reply created = v6.post("/v6/instant/dns-server", "{" + agents + ",\"domain\":\"www.good.vlab A\","
                    + "\"dnsServers\":[{\"serverName\":\"" + PrivateDnsHierarchy.GOOD + "\"},{\"serverName\":\""
                    + PrivateDnsHierarchy.UNREACHABLE + "\"}],\"recursiveQueries\":0,\"networkMeasurements\":0}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            JsonNode test = created.json().path("test").path(0);
            assertThat(test.path("dnsServers").path(1).path("serverId").asInt()).isEqualTo(2);
            int serverTest = test.path("testId").asInt();

            await().atMost(PATIENCE).untilAsserted(() ->
                    assertThat(records(v6, "/v6/dns/server/" + serverTest, "dns", "server")).hasSize(2));
            List<JsonNode> both = records(v6, "/v6/dns/server/" + serverTest, "dns", "server");
            JsonNode good = both.stream().filter(r -> r.path("serverId").asInt() == 1).findFirst().orElseThrow();
            assertThat(good.path("server").asText()).isEqualTo(PrivateDnsHierarchy.GOOD);
            assertThat(good.path("mappings").asText()).isEqualTo("192.0.2.10 (A)");
            assertThat(good.path("errorDetails").asText()).isEmpty();
            assertThat(good.path("resolutionTime").isIntegralNumber()).isTrue();
            assertThat(good.path("agentId").asInt()).isEqualTo(agent.agentId());
            List<JsonNode> second = records(v6, "/v6/dns/server/" + serverTest + "/2", "dns", "server");
            assertThat(second).hasSize(1);
            assertThat(second.getFirst().path("errorDetails").asText()).startsWith("unreachable: 127.0.53.12");
            assertThat(second.getFirst().has("resolutionTime")).isFalse();

            int traceTest = create(v6, "dns-trace", "{" + agents + ",\"domain\":\"www.good.vlab A\"}");
            int dnssecTest = create(v6, "dns-dnssec", "{" + agents + ",\"domain\":\"www.broken.vlab A\"}");
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(records(v6, "/v6/dns/trace/" + traceTest, "dns", "trace")).hasSize(1);
                assertThat(records(v6, "/v6/dns/dnssec/" + dnssecTest, "dns", "dnssec")).hasSize(1);
            });
            JsonNode trace = records(v6, "/v6/dns/trace/" + traceTest, "dns", "trace").getFirst();
            assertThat(trace.path("mappings").asText()).isEqualTo("192.0.2.10");
            assertThat(trace.path("finalServerQueried").asText()).isEqualTo("ns1.good.vlab.");
            assertThat(trace.path("output").asText()).contains(";; Received");
            JsonNode dnssec = records(v6, "/v6/dns/dnssec/" + dnssecTest, "dns", "dnssec").getFirst();
            assertThat(dnssec.path("valid").asInt()).isZero();
            assertThat(dnssec.path("errorDetails").asText()).contains("broken.vlab");
        }
    }

    @Test
    void theMeasureCommandsPrintWhatDigAndDelvWould() throws Exception {
        MainTest.Run server = MainTest.run("measure", "dns-server", "www.good.vlab", "A", "--server",
                PrivateDnsHierarchy.GOOD, "--norecurse");
        assertThat(server.code()).as(server.err()).isZero();
        assertThat(server.out()).contains(";; SERVER: 127.0.53.3  serverId 1", ";; status: NOERROR, flags: qr aa, over UDP",
                "192.0.2.10 (A)", ";; Query time: ");

        MainTest.Run trace = MainTest.run("measure", "dns-trace", "www.good.vlab", "A",
                "--dns-root-hints", dns.rootHintsFile().toString());
        assertThat(trace.code()).as(trace.err()).isZero();
        assertThat(trace.out()).contains(";; Received", "from 127.0.53.2#53(ns1.nic.vlab)", ";; mapping 192.0.2.10");

        MainTest.Run bogus = MainTest.run("measure", "dns-dnssec", "www.broken.vlab", "A", "--dns-root-hints",
                PrivateDnsHierarchy.ROOT, "--dns-trust-anchor", dns.trustAnchorFile().toString());
        assertThat(bogus.code()).isEqualTo(1);
        assertThat(bogus.out()).startsWith("; validation failed").contains("broken.vlab");

        MainTest.Run json = MainTest.run("measure", "dns-dnssec", "www.good.vlab", "A", "--json", "--dns-root-hints",
                PrivateDnsHierarchy.ROOT, "--dns-trust-anchor", dns.trustAnchorFile().toString());
        assertThat(json.code()).as(json.out()).isZero();
        assertThat(dev.vantage.model.Json.MAPPER.readTree(json.out()).path("dns/dnssec").path(0).path("valid").asInt()).isEqualTo(1);

        MainTest.Run badHints = MainTest.run("measure", "dns-trace", "www.good.vlab", "--dns-root-hints", "/nonexistent");
        assertThat(badHints.code()).isEqualTo(2);
        assertThat(badHints.err()).contains("root hints must be ip,ip,... or a readable hints file");
    }
}
