package dev.vantage.server.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.server.api.ApiException;
import dev.vantage.server.api.Views;
import dev.vantage.server.auth.Caller;
import dev.vantage.server.store.Store;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The v6 test-data endpoints (test-data.md): one envelope for every kind, the time-range rules of conventions.md
 * §10 and the pagination of §11. Records are stored without the fields every record carries; they are added here.
 */
public final class DataService {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern WINDOW = Pattern.compile("([0-9]+)([smhdw]?)");
    private static final DateTimeFormatter QUERY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd[ ]['T']HH:mm:ss");
    private static final Set<String> DIRECTIONS = Set.of("TO_TARGET", "FROM_TARGET", "BIDIRECTIONAL");

    private final Store store;
    private final Views views;
    private final Clock clock;
    /** Result rows (one per round, agent and kind) per page; the v6 page size is undocumented. */
    private final int pageRows;

    public DataService(Store store, Views views, Clock clock, int pageRows) {
        this.store = store;
        this.views = views;
        this.clock = clock;
        this.pageRows = pageRows;
    }

    /** The query parameters a list endpoint understands. */
    public record Query(String window, String from, String to, String lastRoundId, String direction,
                        boolean headers, boolean certificates, Integer serverId) {}

    public ObjectNode list(Caller caller, DataKind kind, int testId, Query q) {
        Store.StoredTest test = visibleTest(caller, kind, testId);
        checkDirection(q.direction(), kind, test);
        Range range = range(q);
        Long after = parseLong(q.lastRoundId(), "lastRoundId");
        List<Store.ResultRow> rows;
        boolean more = false;
        if (range == null) {
            Optional<Long> latest = store.latestRound(testId);
            rows = latest.map(r -> store.results(testId, kind, r, r, null, Integer.MAX_VALUE)).orElse(List.of());
        } else {
            if (!range.toGiven()) {
                // A rerun in the same minute is bumped to the next free minute, so rounds may lie slightly ahead
                // of now: an open-ended range reaches the newest round, and pages.next keeps that bound.
                Instant newest = store.latestRound(testId).map(Instant::ofEpochSecond).orElse(range.to());
                if (newest.isAfter(range.to())) range = new Range(range.from(), newest, false);
            }
            Long fromRound = range.from().getEpochSecond();
            Long toRound = range.to().getEpochSecond();
            rows = new ArrayList<>(store.results(testId, kind, fromRound, toRound, after, pageRows + 1));
            if (rows.size() > pageRows) {
                more = true;
                long lastRound = rows.get(pageRows - 1).roundId();
                rows = new ArrayList<>(rows.subList(0, pageRows));
                // never split a round across pages
                rows.removeIf(r -> r.roundId() == lastRound);
                rows.addAll(store.results(testId, kind, lastRound, lastRound, null, Integer.MAX_VALUE));
            }
        }
        ObjectNode body = envelope(caller, kind, test, rows, q);
        ObjectNode pages = body.putObject("pages").put("current", 1);
        if (more && !rows.isEmpty()) {
            long lastRound = rows.getLast().roundId();
            pages.put("next", views.link("/v6/" + kind.path() + "/" + testId, caller.aid())
                    + "&lastRoundId=" + lastRound + "&from=" + encode(Views.date(range.from()))
                    + "&to=" + encode(Views.date(range.to())));
        }
        if (range != null) {
            body.put("from", Views.date(range.from()));
            body.put("to", Views.date(range.to()));
        }
        return body;
    }

    /** The {@code /{testId}/{agentId}/{roundId}} detail form: one agent's records of one round, no pages. */
    public ObjectNode detail(Caller caller, DataKind kind, int testId, int agentId, long roundId, Query q) {
        Store.StoredTest test = visibleTest(caller, kind, testId);
        checkDirection(q.direction(), kind, test);
        List<Store.ResultRow> rows = store.result(testId, agentId, roundId, kind).map(List::of).orElse(List.of());
        ObjectNode body = envelope(caller, kind, test, rows, q, true);
        if (kind == DataKind.NET_PATH_VIS) {
            // the detail form carries the hop-by-hop routes instead of the summary's endpoints (test-data.md §3)
            for (JsonNode r : body.path(kind.layer()).path(kind.recordsKey())) {
                ((ObjectNode) r).remove("endpoints");
            }
        }
        return body;
    }

    private ObjectNode envelope(Caller caller, DataKind kind, Store.StoredTest test, List<Store.ResultRow> rows, Query q) {
        return envelope(caller, kind, test, rows, q, false);
    }

    private ObjectNode envelope(Caller caller, DataKind kind, Store.StoredTest test, List<Store.ResultRow> rows, Query q,
                                boolean detail) {
        ObjectNode body = NODES.objectNode();
        ObjectNode layer = body.putObject(kind.layer());
        layer.set("test", views.test(test, caller.aid()));
        Map<Integer, Optional<Store.Agent>> agents = new HashMap<>();
        ArrayNode records = NODES.arrayNode();
        if (test.type().equals("agent-to-agent") && (kind == DataKind.NET_METRICS || kind == DataKind.NET_PATH_VIS)) {
            rows = PairResults.join(test, rows, q.direction(), true);
        } else if (test.type().equals("voice")) {
            rows = PairResults.join(test, rows, null, kind != DataKind.VOICE_RTP_STREAM);
        }
        for (Store.ResultRow row : rows) {
            Optional<Store.Agent> agent = agents.computeIfAbsent(row.agentId(), store::agent);
            for (ObjectNode stored : row.records()) {
                if (q.serverId() != null && stored.path("serverId").asInt(-1) != q.serverId()) continue;
                records.add(record(row, agent, stored, kind, q, detail));
            }
        }
        if (!records.isEmpty()) layer.set(kind.recordsKey(), records);
        return body;
    }

    private static ObjectNode record(Store.ResultRow row, Optional<Store.Agent> agent, ObjectNode stored, DataKind kind, Query q,
                                     boolean detail) {
        ObjectNode out = NODES.objectNode();
        out.put("agentId", row.agentId());
        agent.ifPresent(a -> {
            out.put("agentName", a.name());
            if (a.countryId() != null) out.put("countryId", a.countryId());
        });
        out.put("date", Views.date(row.measuredAt()));
        out.put("roundId", row.roundId());
        stored.properties().forEach(e -> {
            if (!out.has(e.getKey())) out.set(e.getKey(), e.getValue());
        });
        if (kind == DataKind.WEB_HTTP_SERVER) {
            if (!q.headers()) {
                out.remove("requestHeaders");
                out.remove("responseHeaders");
            }
            if (!q.certificates()) out.remove("sslCerts");
        }
        // one stored path-vis record holds both forms: the summary shows endpoints, the detail routes (see detail)
        if (kind == DataKind.NET_PATH_VIS && !detail) out.remove("routes");
        return out;
    }

    private Store.StoredTest visibleTest(Caller caller, DataKind kind, int testId) {
        Store.StoredTest test = store.test(testId, caller.aid())
                .orElseThrow(() -> ApiException.notFound("test " + testId + " does not exist in account group " + caller.aid()));
        if (!Views.dataKinds(test).contains(kind)) {
            throw ApiException.badRequest("test " + testId + " is a " + test.type() + " test; /v6/" + kind.path()
                    + " holds no data for it");
        }
        return test;
    }

    private static void checkDirection(String direction, DataKind kind, Store.StoredTest test) {
        if (direction == null) return;
        if (!DIRECTIONS.contains(direction)) {
            throw ApiException.badRequest("direction must be TO_TARGET, FROM_TARGET or BIDIRECTIONAL, got " + direction);
        }
        if (!test.type().equals("agent-to-agent")) return;
        String testDirection = test.definition().path("direction").asText("TO_TARGET");
        if (kind == DataKind.NET_PATH_VIS && direction.equals("BIDIRECTIONAL")) {
            throw ApiException.badRequest("direction BIDIRECTIONAL is not accepted on path-vis; ask for TO_TARGET or FROM_TARGET");
        }
        if (!testDirection.equals("BIDIRECTIONAL") && !direction.equals(testDirection)) {
            throw ApiException.badRequest("test " + test.testId() + " measures " + testDirection + " only; direction "
                    + direction + " has no data");
        }
    }

    /** The effective time range, or null when none was asked (then only the latest round is returned). */
    record Range(Instant from, Instant to, boolean toGiven) {}

    private Range range(Query q) {
        boolean window = q.window() != null, from = q.from() != null, to = q.to() != null;
        if (window && (from || to)) throw ApiException.badRequest("window cannot be combined with from or to");
        if (to && !from) throw ApiException.badRequest("to requires from");
        Instant now = clock.instant();
        if (window) {
            Matcher m = WINDOW.matcher(q.window());
            if (!m.matches()) {
                throw ApiException.badRequest("window must be a number with an optional unit s, m, h, d or w (e.g. 12h), got " + q.window());
            }
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("window is too large: " + q.window());
            }
            long unit = switch (m.group(2)) {
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86400;
                case "w" -> 604800;
                default -> 1;
            };
            if (n > 3650L * 86400 / unit) throw ApiException.badRequest("window is too large: " + q.window());
            return new Range(now.minusSeconds(n * unit), now, false);
        }
        if (from) {
            Instant start = time(q.from(), "from");
            Instant end = to ? time(q.to(), "to") : now;
            if (end.isBefore(start)) throw ApiException.badRequest("to (" + q.to() + ") is before from (" + q.from() + ")");
            return new Range(start, end, to);
        }
        if (q.lastRoundId() != null) throw ApiException.badRequest("lastRoundId needs from and to (use the pages.next link)");
        return null;
    }

    private static Instant time(String value, String name) {
        try {
            return LocalDateTime.parse(value.strip(), QUERY_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a UTC time as YYYY-mm-ddTHH:MM:SS or YYYY-mm-dd HH:MM:SS, got " + value);
        }
    }

    private static Long parseLong(String value, String name) {
        if (value == null) return null;
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be an integer, got " + value);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

}
