package dev.vantage.measure.net;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * An {@code mtr --report}-like text of a path-vis record: one block per trace, one line per TTL, {@code ???} for
 * TTLs nobody answered, per-hop loss with {@code (rate limit)} when that loss is ICMP rate limiting.
 */
public final class HopTable {
    private HopTable() {}

    /** @param pathVis a path-vis record as JSON (as stored or as {@link PathVis} serialised) */
    public static String format(JsonNode pathVis) {
        StringBuilder out = new StringBuilder();
        if (pathVis.hasNonNull("pathTraceMethod")) {
            out.append("path trace: ").append(pathVis.get("pathTraceMethod").asText()).append('\n');
        }
        if (pathVis.hasNonNull("errorDetails")) out.append("error: ").append(pathVis.get("errorDetails").asText()).append('\n');
        int n = 0;
        for (JsonNode route : pathVis.path("routes")) {
            n++;
            out.append(String.format(Locale.ROOT, "trace %d (pathId %s)%s%n", n, route.path("pathId").asText(),
                    route.path("reachedDestination").asBoolean() ? "" : "  destination not reached"));
            out.append(String.format(Locale.ROOT, "  %-4s %-16s %-16s %6s %4s %7s %7s %7s %7s  %s%n",
                    "Hop", "Address", "Name", "Loss%", "Snt", "Avg", "Best", "Wrst", "StDev", "MPLS"));
            int expected = 1;
            for (JsonNode hop : route.path("hops")) {
                int h = hop.path("hop").asInt();
                for (; expected < h; expected++) {
                    out.append(String.format(Locale.ROOT, "  %-4d %-16s%n", expected, "???"));
                }
                expected = h + 1;
                String loss = !hop.hasNonNull("loss") ? "-"
                        : String.format(Locale.ROOT, "%.1f", hop.path("loss").asDouble())
                        + (hop.path("icmpRateLimited").asBoolean() ? " (rate limit)" : "");
                out.append(String.format(Locale.ROOT, "  %-4d %-16s %-16s %6s %4d %7.3f %7.3f %7.3f %7.3f  %s%n",
                        h, hop.path("ipAddress").asText(), hop.path("rdns").asText("-"), loss,
                        hop.path("probesSent").asInt(), hop.path("avgLatency").asDouble(),
                        hop.path("minLatency").asDouble(), hop.path("maxLatency").asDouble(),
                        hop.path("jitter").asDouble(), hop.path("mpls").asText("")));
            }
        }
        return out.toString();
    }
}
