package dev.vantage.server.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.server.store.Store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins the two sides of an agent-to-agent (or voice) round into one record per (source agent, round, direction), as v6 shows
 * them (test-data.md §0.2, §1): every record is attributed to the source agent and says its {@code direction}.
 * The source uploads target → source (it receives that stream) and its own view of source → target; the target
 * uploads source → target per source ({@code sourceAgentId}), from every probe it received. For each direction the
 * record of that direction's receiver wins; the other side's stands in when the receiver's is missing or failed.
 */
final class PairResults {
    private PairResults() {}

    static final String TO_TARGET = "TO_TARGET", FROM_TARGET = "FROM_TARGET";

    /**
     * @param rows      the stored rows (ordered by round, then agent) of one kind
     * @param direction the query's {@code direction} (null: the test's own)
     */
    static List<Store.ResultRow> join(Store.StoredTest test, List<Store.ResultRow> rows, String direction,
                                      boolean tagDirection) {
        int target = test.definition().path("targetAgentId").asInt(-1);
        String testDirection = test.definition().path("direction").asText(TO_TARGET);
        List<String> wanted = direction == null || direction.equals("BIDIRECTIONAL")
                ? directions(testDirection) : List.of(direction);
        Map<Long, List<Store.ResultRow>> byRound = new LinkedHashMap<>();
        for (Store.ResultRow row : rows) byRound.computeIfAbsent(row.roundId(), r -> new ArrayList<>()).add(row);
        List<Store.ResultRow> out = new ArrayList<>();
        for (List<Store.ResultRow> round : byRound.values()) {
            Store.ResultRow targetRow = round.stream().filter(r -> r.agentId() == target).findFirst().orElse(null);
            Map<Integer, Store.ResultRow> sources = new LinkedHashMap<>();
            for (Store.ResultRow r : round) if (r.agentId() != target) sources.put(r.agentId(), r);
            if (targetRow != null) {
                // sources the target heard from whose own upload is not in yet
                for (ObjectNode record : targetRow.records()) {
                    int source = record.path("sourceAgentId").asInt(-1);
                    if (source > 0 && !sources.containsKey(source) && test.agentIds().contains(source)) {
                        sources.put(source, null);
                    }
                }
            }
            for (Map.Entry<Integer, Store.ResultRow> source : sources.entrySet()) {
                Store.ResultRow own = source.getValue();
                List<ObjectNode> records = new ArrayList<>();
                for (String d : wanted) {
                    ObjectNode fromTarget = pick(targetRow, source.getKey(), d, true);
                    ObjectNode fromSource = pick(own, source.getKey(), d, false);
                    ObjectNode receiver = d.equals(TO_TARGET) ? fromTarget : fromSource;
                    ObjectNode other = d.equals(TO_TARGET) ? fromSource : fromTarget;
                    ObjectNode chosen = ok(receiver) ? receiver : ok(other) ? other : receiver != null ? receiver : other;
                    if (chosen == null) continue;
                    ObjectNode record = chosen.deepCopy();
                    record.remove("sourceAgentId");
                    if (tagDirection) record.put("direction", d);
                    records.add(record);
                }
                if (records.isEmpty()) continue;
                Store.ResultRow base = own != null ? own : targetRow;
                out.add(new Store.ResultRow(base.testId(), base.roundId(), source.getKey(), base.kind(),
                        base.measuredAt(), records));
            }
        }
        return out;
    }

    /**
     * The record of one direction in a side's upload. On the target's side only records naming this source (or a
     * record with neither source nor direction: the whole task failed); on the source's side records of that
     * direction (or, again, a whole-task failure).
     */
    private static ObjectNode pick(Store.ResultRow row, int source, String direction, boolean targetSide) {
        if (row == null) return null;
        ObjectNode fallback = null;
        for (ObjectNode record : row.records()) {
            JsonNode d = record.get("direction");
            JsonNode s = record.get("sourceAgentId");
            if (targetSide && s != null && s.asInt() != source) continue;
            if (d != null && d.asText().equals(direction)) return record;
            // the target measures source -> target only: its per-source records need no direction (rtp-stream)
            if (d == null && s != null && targetSide && direction.equals(TO_TARGET)) return record;
            if (d == null && s == null) fallback = record;
        }
        return fallback;
    }

    private static boolean ok(ObjectNode record) {
        return record != null && !record.hasNonNull("errorDetails")
                && !(record.hasNonNull("errorType") && !record.path("errorType").asText().equals("None"));
    }

    static List<String> directions(String testDirection) {
        return switch (testDirection) {
            case "BIDIRECTIONAL" -> List.of(TO_TARGET, FROM_TARGET);
            case FROM_TARGET -> List.of(FROM_TARGET);
            default -> List.of(TO_TARGET);
        };
    }
}
