package dev.vantage.measure.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network layer of every test type: what a test with {@code networkMeasurements=1} adds to its own records,
 * measured to the same target the test's protocol used. Every engine family calls this one entry, so the network
 * engine can grow (path trace, MTU, ICMP) without touching the families.
 */
public final class NetworkMeasurements {
    private NetworkMeasurements() {}

    private static final TcpProbeEngine TCP = new TcpProbeEngine();

    /**
     * @param host       the target as the test's protocol reached it (name or address)
     * @param port       the target port (for TCP probes)
     * @param definition the stored test definition (protocol, probeMode, numPathTraces, mtuMeasurements, ...)
     * @return records per network data kind; empty when {@code networkMeasurements} is 0
     */
    public static Map<DataKind, List<ObjectNode>> to(String host, int port, JsonNode definition, RunContext ctx)
            throws InterruptedException {
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        if (definition.path("networkMeasurements").asInt(1) != 1) return out;
        String source = definition.hasNonNull("sourceIpAddress") ? definition.get("sourceIpAddress").asText() : null;
        NetMetrics metrics = TCP.run(new TcpProbeEngine.Spec(host, port, source), ctx);
        out.put(DataKind.NET_METRICS, List.of(Json.MAPPER.valueToTree(metrics)));
        return out;
    }
}
