package dev.vantage.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {

    @Test
    void formatsARealHttpRunAsAlignedLines() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            ObjectNode def = Json.MAPPER.createObjectNode()
                    .put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/")
                    .put("networkMeasurements", 1);
            Map<DataKind, List<ObjectNode>> results =
                    Measurements.run("http-server", def, RunContext.withTimeoutMillis(20_000, "test"));
            String text = Report.format(results);

            assertThat(text).startsWith("web/http-server\n").contains("\nnet/metrics\n");
            assertThat(text).containsPattern("(?m)^  responseCode +200$");
            assertThat(text).containsPattern("(?m)^  totalTime +\\d+ ms$");
            assertThat(text).containsPattern("(?m)^  errorType +None$");
            assertThat(text).containsPattern("(?m)^  loss +0(\\.0)? %$");
            assertThat(text).containsPattern("(?m)^  avgLatency +\\d+\\.\\d{3} ms$");
            assertThat(text).contains("  requestHeaders:\n    GET / HTTP/1.1\n");
            // values start in one column within a record
            String http = text.substring(0, text.indexOf("\nnet/metrics"));
            assertThat(http.lines().filter(l -> l.matches("  \\w+ +\\S.*"))
                    .map(l -> l.length() - l.strip().replaceFirst("^\\w+ +", "").length()).distinct()).hasSize(1);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void errorRecordShowsItsDetailsAndNoMissingMetrics() {
        ObjectNode rec = Json.MAPPER.createObjectNode().put("server", "no-such-host.invalid:80")
                .put("errorDetails", "name did not resolve");
        String text = Report.format(Map.of(DataKind.NET_METRICS, List.of(rec)));
        assertThat(text).isEqualTo("net/metrics\n  server        no-such-host.invalid:80\n  errorDetails  name did not resolve\n");
    }
}
