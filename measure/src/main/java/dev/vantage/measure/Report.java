package dev.vantage.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Human-readable text of {@link Measurements#run} results for the CLI: aligned "name  value" lines, like curl -w. */
public final class Report {
    private Report() {}

    private static final Set<String> MILLIS = Set.of("redirectTime", "dnsTime", "connectTime", "sslTime", "waitTime",
            "receiveTime", "responseTime", "totalTime", "minLatency", "avgLatency", "maxLatency", "jitter",
            "optionsTime", "registerTime", "clockOffset", "clockErrorBound", "negotiationTime", "transferTime");
    /** Multi-line values printed as indented blocks after the scalar lines. */
    private static final List<String> BLOCKS = List.of("requestHeaders", "responseHeaders", "optionsRequest",
            "optionsResponse");

    public static String format(Map<DataKind, List<ObjectNode>> results) {
        StringBuilder out = new StringBuilder();
        results.forEach((kind, records) -> {
            for (ObjectNode record : records) {
                if (!out.isEmpty()) out.append('\n');
                out.append(kind.path()).append('\n');
                formatRecord(record, kind, out);
            }
        });
        return out.toString();
    }

    private static void formatRecord(ObjectNode record, DataKind kind, StringBuilder out) {
        int width = 0;
        for (var it = record.fieldNames(); it.hasNext(); ) width = Math.max(width, it.next().length());
        for (var e : record.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (v.isNull() || BLOCKS.contains(name)) continue;
            String text;
            if (v.isArray()) text = v.size() + (name.equals("sslCerts") ? " certificate(s)" : " item(s)");
            else if (v.isNumber() && MILLIS.contains(name)) text = millis(v) + " ms";
            else if (name.equals("loss") || name.equals("availability")) text = number(v) + " %";
            else if (name.equals("wireSize")) text = v.asText() + " bytes";
            else if (name.equals("bandwidth") || name.equals("capacity")) text = number(v) + " Mbit/s";
            else if (name.equals("throughput")) {
                text = v.asText() + (kind == DataKind.NET_METRICS ? " Mbit/s" : " bytes/s"); // agent-to-agent: Mbit/s
            }
            else text = v.isNumber() ? number(v) : v.asText();
            out.append("  ").append(pad(name, width)).append("  ").append(text).append('\n');
        }
        for (JsonNode cert : record.path("sslCerts")) {
            out.append("  certificate  ").append(cert.path("subjectName").asText())
                    .append(" (issuer ").append(cert.path("issuerName").asText())
                    .append(", until ").append(cert.path("notValidAfter").asText()).append(")\n");
        }
        for (String block : BLOCKS) {
            JsonNode v = record.get(block);
            if (v == null || v.isNull() || v.asText().isBlank()) continue;
            out.append("  ").append(block).append(":\n");
            boolean started = false, gap = false; // empty lines between two messages (SIP: challenge, retry) stay one
            for (String line : v.asText().split("\r?\n")) {
                if (line.isEmpty()) {
                    gap = started;
                    continue;
                }
                if (gap) out.append('\n');
                gap = false;
                started = true;
                out.append("    ").append(line).append('\n');
            }
        }
    }

    private static String millis(JsonNode v) {
        return v.isIntegralNumber() ? v.asText() : String.format(Locale.ROOT, "%.3f", v.asDouble());
    }

    private static String number(JsonNode v) {
        return v.isIntegralNumber() ? v.asText() : String.format(Locale.ROOT, "%.1f", v.asDouble());
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }
}
