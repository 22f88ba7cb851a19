package dev.vantage.server.agentapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/** The data kinds a stored test fills (instant-tests.md §6) and the error records written when an agent fails. */
final class TestKinds {
    private TestKinds() {}

    static List<DataKind> of(String type, JsonNode definition) {
        boolean net = definition == null || !definition.has("networkMeasurements")
                || definition.path("networkMeasurements").asInt(1) == 1;
        List<DataKind> kinds = new ArrayList<>();
        switch (type) {
            case "agent-to-server", "agent-to-agent" -> {
                kinds.add(DataKind.NET_METRICS);
                kinds.add(DataKind.NET_PATH_VIS);
                return kinds;
            }
            case "http-server" -> kinds.add(DataKind.WEB_HTTP_SERVER);
            case "page-load" -> {
                kinds.add(DataKind.WEB_HTTP_SERVER);
                kinds.add(DataKind.WEB_PAGE_LOAD);
            }
            case "transactions" -> {
                kinds.add(DataKind.WEB_TRANSACTIONS);
                return kinds;
            }
            case "web-transactions" -> kinds.add(DataKind.WEB_WEB_TRANSACTIONS);
            case "ftp-server" -> kinds.add(DataKind.WEB_FTP_SERVER);
            case "dns-trace" -> {
                kinds.add(DataKind.DNS_TRACE);
                return kinds;
            }
            case "dns-server" -> kinds.add(DataKind.DNS_SERVER);
            case "dns-dnssec" -> {
                kinds.add(DataKind.DNS_DNSSEC);
                return kinds;
            }
            case "sip-server" -> kinds.add(DataKind.VOICE_SIP_SERVER);
            case "voice" -> {
                kinds.add(DataKind.VOICE_RTP_STREAM);
                kinds.add(DataKind.NET_METRICS);
                kinds.add(DataKind.NET_PATH_VIS);
                return kinds;
            }
            default -> {
                return kinds;
            }
        }
        if (net) {
            kinds.add(DataKind.NET_METRICS);
            kinds.add(DataKind.NET_PATH_VIS);
        }
        return kinds;
    }

    /**
     * One error record per data kind. Web and voice records carry {@code errorType} + {@code errorDetails}; net and
     * dns records carry {@code errorDetails} only (test-data.md field names).
     */
    static Map<DataKind, List<ObjectNode>> errorRecords(List<DataKind> kinds, String errorType, String details) {
        Map<DataKind, List<ObjectNode>> records = new LinkedHashMap<>();
        for (DataKind kind : kinds) {
            ObjectNode record = Json.MAPPER.createObjectNode();
            if (kind.layer().equals("web") || kind.layer().equals("voice")) {
                record.put("errorType", errorType);
            }
            record.put("errorDetails", details);
            records.put(kind, List.of(record));
        }
        return records;
    }
}
