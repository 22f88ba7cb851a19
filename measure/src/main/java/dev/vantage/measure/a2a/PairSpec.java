package dev.vantage.measure.a2a;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * What one agent's part of an agent-to-agent round needs, read from the task definition the server sends (the
 * stored test plus the pairing fields the server adds: {@code role}, {@code roundToken}, {@code agentId}, and
 * {@code targetAddresses} for a SOURCE or {@code sourceAgents} for the TARGET).
 */
public record PairSpec(String role, int agentId, String direction, String protocol, int port, int dscp,
                       Integer mss, String roundToken, List<String> targetAddresses, String targetName,
                       List<Source> sources, String sourceIp, boolean throughput, int throughputMillis,
                       Integer throughputRateMbps) {

    public static final String SOURCE = "SOURCE", TARGET = "TARGET";
    public static final int DEFAULT_PORT = 49153;

    /** A source agent the target should hear from this round. */
    public record Source(int agentId, String name, List<String> addresses) {}

    public static PairSpec from(JsonNode d) {
        List<String> targets = new ArrayList<>();
        d.path("targetAddresses").forEach(a -> targets.add(a.asText()));
        List<Source> sources = new ArrayList<>();
        for (JsonNode s : d.path("sourceAgents")) {
            List<String> addresses = new ArrayList<>();
            s.path("addresses").forEach(a -> addresses.add(a.asText()));
            sources.add(new Source(s.path("agentId").asInt(), s.path("agentName").asText(null), addresses));
        }
        return new PairSpec(d.path("role").asText(SOURCE), d.path("agentId").asInt(0),
                d.path("direction").asText("TO_TARGET"), d.path("protocol").asText("TCP"),
                d.path("port").asInt(DEFAULT_PORT), d.path("dscpId").asInt(0),
                d.hasNonNull("mss") ? d.get("mss").asInt() : null, d.path("roundToken").asText(null), targets,
                d.path("targetAgentName").asText(null), sources,
                d.hasNonNull("sourceIpAddress") ? d.get("sourceIpAddress").asText() : null,
                d.path("throughputMeasurements").asInt(0) == 1, d.path("throughputDuration").asInt(10_000),
                d.hasNonNull("throughputRate") ? d.get("throughputRate").asInt() : null);
    }

    public boolean measures(String oneDirection) {
        return direction.equals("BIDIRECTIONAL") || direction.equals(oneDirection);
    }
}
