package dev.vantage.measure.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.model.DataKind;
import dev.vantage.model.HostPort;
import dev.vantage.model.Json;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
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

    private static final NetworkEngine ENGINE = new NetworkEngine();

    /**
     * @param host       the target as the test's protocol reached it (name or address)
     * @param port       the target port (for TCP probes)
     * @param definition the stored test definition (protocol, probeMode, numPathTraces, mtuMeasurements, ...)
     * @return net metrics and path-vis records; empty when {@code networkMeasurements} is 0
     */
    public static Map<DataKind, List<ObjectNode>> to(String host, int port, JsonNode definition, RunContext ctx)
            throws InterruptedException {
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        if (definition.path("networkMeasurements").asInt(1) != 1) return out;
        NetworkEngine.Result r = ENGINE.run(spec(host, port, definition), ctx);
        ObjectNode metrics = Json.MAPPER.valueToTree(r.metrics());
        if (definition.path("bandwidthMeasurements").asInt(0) == 1) bandwidth(metrics, r.metrics(), port, definition, ctx);
        out.put(DataKind.NET_METRICS, List.of(metrics));
        out.put(DataKind.NET_PATH_VIS, List.of(Json.MAPPER.valueToTree(r.pathVis())));
        return out;
    }

    /**
     * {@code bandwidthMeasurements=1}: adds {@code bandwidth} (available) and {@code capacity} in Mbit/s, measured after
     * the round's probes so their trains do not disturb each other; {@code bandwidthError} says why when they are absent.
     */
    private static void bandwidth(ObjectNode metrics, NetMetrics m, int port, JsonNode d, RunContext ctx)
            throws InterruptedException {
        String why = null;
        if (m.serverIp() == null) why = "no target address";
        else if (d.path("protocol").asText("TCP").equalsIgnoreCase("ICMP")) why = "needs protocol TCP (trains of SYN probes)";
        else if (!NetworkEngine.rawSocketsAllowed()) why = "needs CAP_NET_RAW (raw SYN probes)";
        if (why == null) {
            try {
                InetAddress target = InetAddress.getByName(m.serverIp());
                InetAddress source = d.hasNonNull("sourceIpAddress") ? InetAddress.getByName(d.get("sourceIpAddress").asText())
                        : NetworkEngine.sourceFor(target);
                if (!(target instanceof Inet4Address v4) || !(source instanceof Inet4Address from)) {
                    why = "IPv4 targets only";
                } else {
                    int size = m.pathMtu() != null ? m.pathMtu() : 1500;
                    long until = Math.min(ctx.deadlineNanos(), System.nanoTime() + BANDWIDTH_BUDGET_MILLIS * 1_000_000L);
                    BandwidthEstimator.Estimate e = BandwidthEstimator.run(v4, port, from, size, until);
                    if (e.error() == null) {
                        metrics.put("bandwidth", e.bandwidthMbps()).put("capacity", e.capacityMbps());
                        return;
                    }
                    why = e.error();
                }
            } catch (IOException e) {
                why = "bandwidth not measured: " + e.getMessage();
            }
        }
        metrics.put("bandwidthError", why.startsWith("bandwidth not measured") ? why : "bandwidth not measured: " + why);
    }

    static final long BANDWIDTH_BUDGET_MILLIS = 5_000;

    /** agent-to-server: the network layer is the test; {@code server} may carry ":port", {@code port} wins. */
    public static Map<DataKind, List<ObjectNode>> agentToServer(JsonNode d, RunContext ctx) throws InterruptedException {
        HostPort target = HostPort.parse(d.path("server").asText());
        int port = d.hasNonNull("port") ? d.get("port").asInt() : target.portOr(80);
        ObjectNode definition = d.deepCopy();
        definition.put("networkMeasurements", 1);
        return to(target.host(), port, definition, ctx);
    }

    /** The engine's view of a stored definition; fields absent take the v6 defaults. */
    static NetworkEngine.Spec spec(String host, int port, JsonNode d) {
        int dscp = d.path("dscpId").asInt(0);
        return new NetworkEngine.Spec(host, port,
                d.path("protocol").asText("TCP"),
                d.path("probeMode").asText("AUTO"),
                d.path("numPathTraces").asInt(3),
                d.path("pathTraceMode").asText("classic"),
                d.path("mtuMeasurements").asInt(1) == 1,
                dscp << 2,
                d.path("pingPayloadSize").asInt(-1),
                d.path("ipv6Policy").asText("USE_AGENT_POLICY"),
                d.hasNonNull("sourceIpAddress") ? d.get("sourceIpAddress").asText() : null,
                PathTracer.PROBES_PER_TTL);
    }
}
