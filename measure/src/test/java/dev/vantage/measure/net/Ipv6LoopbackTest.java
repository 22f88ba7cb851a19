package dev.vantage.measure.net;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.measure.RunContext;
import dev.vantage.model.Json;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** IPv6: TCP connect probes, a UDP trace read from IPV6_RECVERR, and path MTU, to ::1. */
class Ipv6LoopbackTest {

    @Test
    void aRoundToIpv6LoopbackMeasuresTracesAndFindsTheMtu() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getByName("::1"))) {
            NetworkEngine.Result r = new NetworkEngine().run(
                    NetworkEngine.Spec.defaults("::1", server.getLocalPort()), RunContext.withTimeoutMillis(30_000, "t"));
            JsonNode m = Json.MAPPER.valueToTree(r.metrics());
            assertThat(m.get("server").asText()).isEqualTo("[::1]:" + server.getLocalPort());
            assertThat(m.get("probeMethod").asText()).startsWith("TCP connect");
            assertThat(m.get("loss").asDouble()).isZero();
            assertThat(m.get("pathMtu").asInt()).isGreaterThanOrEqualTo(1280);
            JsonNode p = Json.MAPPER.valueToTree(r.pathVis());
            assertThat(p.get("pathTraceMethod").asText()).startsWith("UDP");
            assertThat(p.get("routes")).hasSize(3);
            for (JsonNode route : p.get("routes")) {
                assertThat(route.get("reachedDestination").asBoolean()).isTrue();
                assertThat(route.get("hops").get(0).get("ipAddress").asText()).isEqualTo("0:0:0:0:0:0:0:1");
                assertThat(route.get("hops").get(0).get("loss").asDouble()).isZero();
            }
        }
    }
}
