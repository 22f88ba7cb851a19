package dev.vantage.server.agentapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.model.catalogue.TestCatalogue;
import dev.vantage.model.catalogue.TestType;

import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/** The data kinds a stored test fills and the error records written when an agent fails. */
final class TestKinds {
    private TestKinds() {}

    /** Per the catalogue (instant-tests.md §6); an unknown type (not storable) fills nothing. */
    static List<DataKind> of(String type, JsonNode definition) {
        ObjectNode object = definition instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
        return TestType.byWireName(type).map(t -> TestCatalogue.dataKinds(t, object)).orElse(List.of());
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
