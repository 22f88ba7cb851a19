package dev.vantage.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeasurementsTest {

    private static RunContext ctx() {
        return RunContext.withTimeoutMillis(20_000, "test");
    }

    @Test
    void agentToServerProbesServerWithPortSuffixOrPortField() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            for (ObjectNode def : List.of(
                    Json.MAPPER.createObjectNode().put("server", "127.0.0.1:" + port),
                    Json.MAPPER.createObjectNode().put("server", "127.0.0.1").put("port", port))) {
                Map<DataKind, List<ObjectNode>> out = Measurements.run("agent-to-server", def, ctx());
                assertThat(out).containsOnlyKeys(DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
                ObjectNode m = out.get(DataKind.NET_METRICS).getFirst();
                assertThat(m.get("server").asText()).isEqualTo("127.0.0.1:" + port);
                assertThat(m.get("loss").asDouble()).isZero();
                assertThat(m.has("avgLatency")).isTrue();
            }
        }
    }

    @Test
    void httpServerAddsNetMetricsUnlessNetworkMeasurementsIsOff() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> { ex.sendResponseHeaders(204, -1); ex.close(); });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            var on = Measurements.run("http-server", Json.MAPPER.createObjectNode().put("url", url), ctx());
            assertThat(on).containsOnlyKeys(DataKind.WEB_HTTP_SERVER, DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
            assertThat(on.get(DataKind.WEB_HTTP_SERVER).getFirst().get("responseCode").asInt()).isEqualTo(204);
            assertThat(on.get(DataKind.NET_METRICS).getFirst().get("server").asText())
                    .isEqualTo("127.0.0.1:" + server.getAddress().getPort());

            var off = Measurements.run("http-server",
                    Json.MAPPER.createObjectNode().put("url", url).put("networkMeasurements", 0), ctx());
            assertThat(off).containsOnlyKeys(DataKind.WEB_HTTP_SERVER);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void unknownTypeIsRejected() {
        assertThatThrownBy(() -> Measurements.run("bgp", Json.MAPPER.createObjectNode(), ctx()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bgp");
    }
}
