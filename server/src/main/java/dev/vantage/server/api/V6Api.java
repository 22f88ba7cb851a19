package dev.vantage.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.model.xml.XmlRenderer;
import dev.vantage.server.auth.Authenticator;
import dev.vantage.server.auth.Caller;
import dev.vantage.server.limits.RateLimiter;
import dev.vantage.server.results.DataService;
import dev.vantage.server.store.Permission;
import dev.vantage.server.store.Store;
import dev.vantage.server.tests.InstantTestService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The v6 API: every route in one table, each handler a few lines over the services. The pipeline around them —
 * format selection, authentication and {@code aid}, rate limits, permissions, body parsing and error rendering —
 * lives in {@link #handle}.
 */
public final class V6Api {
    private static final Logger log = LoggerFactory.getLogger(V6Api.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<HandlerType> METHODS =
            List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE, HandlerType.PATCH);

    /** What a handler sees. */
    record Request(Caller caller, Map<String, String> params, Context ctx, JsonNode body) {
        String param(String name) { return params.get(name); }

        int intParam(String name) {
            String v = params.get(name);
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw ApiException.notFound("no " + name + " " + v);
            }
        }

        String query(String name) {
            String v = ctx.queryParam(name);
            return v == null || v.isEmpty() ? null : v;
        }
    }

    /** A handler's answer: status and body (null for an empty body). */
    record Reply(int status, JsonNode body, Map<String, String> headers) {
        static Reply ok(JsonNode body) { return new Reply(200, body, Map.of()); }
    }

    @FunctionalInterface
    interface Handler {
        Reply handle(Request request);
    }

    /**
     * One route: {@code permission} is checked in the context group (null: API access only); {@code instant} charges
     * the instant-test bucket too; {@code open} routes need no credentials.
     */
    record Route(Handler handler, Permission permission, boolean instant, boolean open) {}

    private final Store store;
    private final Authenticator auth;
    private final RateLimiter limits;
    private final InstantTestService instant;
    private final DataService data;
    private final Views views;
    private final Clock clock;
    private final Router<Route> router = new Router<>();

    public V6Api(Store store, Authenticator auth, RateLimiter limits, InstantTestService instant, DataService data,
                 Views views, Clock clock) {
        this.store = store;
        this.auth = auth;
        this.limits = limits;
        this.instant = instant;
        this.data = data;
        this.views = views;
        this.clock = clock;
        routes();
    }

    private void routes() {
        get("/v6/status", new Route(r -> Reply.ok(NODES.objectNode().put("timestamp", clock.millis())), null, false, true));
        post("/v6/instant/{testType}", new Route(this::createInstant, Permission.VIEW_TESTS, true, false));
        post("/v6/instant/{testId}/rerun", new Route(this::rerun, Permission.VIEW_TESTS, true, false));
        get("/v6/tests", new Route(r -> tests(r, null), Permission.VIEW_TESTS, false, false));
        get("/v6/tests/{testIdOrType}", new Route(this::testOrType, Permission.VIEW_TESTS, false, false));
        post("/v6/tests/{testType}/{testId}/update", new Route(this::update, Permission.EDIT_TESTS, false, false));
        post("/v6/tests/{testType}/{testId}/delete", new Route(this::delete, Permission.EDIT_TESTS, false, false));
        get("/v6/agents", new Route(this::agents, Permission.VIEW_AGENTS, false, false));
        get("/v6/agents/{agentId}", new Route(this::agent, Permission.VIEW_AGENTS, false, false));
        get("/v6/account-groups", new Route(this::accountGroups, null, false, false));
        get("/v6/account-groups/{aid}", new Route(this::accountGroup, Permission.VIEW_ACCOUNT_GROUP_SETTINGS, false, false));
        get("/v6/users", new Route(this::users, Permission.VIEW_USERS, false, false));
        get("/v6/users/{uid}", new Route(this::user, Permission.VIEW_USERS, false, false));
        get("/v6/roles", new Route(this::roles, null, false, false));
        get("/v6/permissions", new Route(this::permissions, null, false, false));
        get("/v6/voice/metrics/{testId}", new Route(r -> new Reply(301, null,
                Map.of("Location", views.link("/v6/voice/rtp-stream/" + r.param("testId"), r.caller().aid()))), null, false, false));
        get("/v6/net/bgp-metrics/{testId}", new Route(this::bgpMetrics, Permission.VIEW_TESTS, false, false));
        get("/v6/dns/server/{testId}/{serverId}", new Route(this::dnsServerDetail, Permission.VIEW_TESTS, false, false));
        for (DataKind kind : DataKind.values()) {
            get("/v6/" + kind.path() + "/{testId}", new Route(r -> list(r, kind), Permission.VIEW_TESTS, false, false));
        }
        for (DataKind kind : List.of(DataKind.NET_PATH_VIS, DataKind.WEB_PAGE_LOAD, DataKind.WEB_TRANSACTIONS,
                DataKind.WEB_WEB_TRANSACTIONS)) {
            get("/v6/" + kind.path() + "/{testId}/{agentId}/{roundId}",
                    new Route(r -> detail(r, kind), Permission.VIEW_TESTS, false, false));
        }
    }

    private void get(String pattern, Route route) { router.add("GET", pattern, route); }

    private void post(String pattern, Route route) { router.add("POST", pattern, route); }

    public void register(Javalin app) {
        for (HandlerType method : METHODS) {
            app.addHttpHandler(method, "/v6", this::handle);
            app.addHttpHandler(method, "/v6/<rest>", this::handle);
            // Unknown API versions move to v6 (conventions.md §1).
            for (String version : List.of("v1", "v2", "v3", "v4", "v5", "v7")) {
                app.addHttpHandler(method, "/" + version + "/<rest>", ctx -> {
                    String query = ctx.queryString();
                    ctx.status(301).header("Location", views.baseUrl() + "/v6/" + ctx.pathParam("rest")
                            + (query == null ? "" : "?" + query));
                });
            }
        }
    }

    // ---- the pipeline ------------------------------------------------------------------------------------

    void handle(Context ctx) {
        Format format = Format.JSON;
        Map<String, String> headers = new LinkedHashMap<>();
        try {
            Format.Stripped path = Format.stripSuffix(ctx.path());
            format = Format.choose(path.suffix(), ctx.header("Accept"), ctx.queryParam("format"));
            var match = router.match(ctx.method().name(), path.path())
                    .orElseThrow(() -> ApiException.notFound("no such endpoint: " + ctx.method() + " " + path.path()));
            Route route = match.route();
            Caller caller = null;
            if (!route.open() || Authenticator.hasCredentials(ctx.header("Authorization"))) {
                caller = auth.authenticate(ctx.header("Authorization"), ctx.queryParam("aid"), ctx.ip());
            }
            if (caller != null && !route.open()) {
                headers.putAll(limits.charge(caller.organization(), route.instant()));
                caller.require(Permission.API_ACCESS);
                if (route.permission() != null) caller.require(route.permission());
            }
            JsonNode body = ctx.method() == HandlerType.POST ? body(ctx) : NullNode.instance;
            Reply reply = route.handler().handle(new Request(caller, match.params(), ctx, body));
            headers.putAll(reply.headers());
            send(ctx, reply.status(), reply.body(), format, headers);
        } catch (ApiException e) {
            headers.putAll(e.headers());
            if (e.status() >= 500) log.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            send(ctx, e.status(), NODES.objectNode().put("errorMessage", e.getMessage()), format, headers);
        } catch (RuntimeException e) {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            send(ctx, 500, NODES.objectNode().put("errorMessage", "internal error"),
                    format, headers);
        }
    }

    /** The POST body: empty and {@code null} are "no body"; anything else must be JSON sent as such. */
    private static JsonNode body(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) return NullNode.instance;
        String contentType = ctx.contentType();
        String mediaType = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
            throw new ApiException(415, "request bodies must be JSON sent with Content-Type: application/json"
                    + (contentType == null ? " (no Content-Type was sent)" : ", got " + contentType));
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON in request body: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    private static void send(Context ctx, int status, JsonNode body, Format format, Map<String, String> headers) {
        ctx.status(status);
        headers.forEach(ctx::header);
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (body == null) {
            ctx.result(new byte[0]);
            return;
        }
        ctx.contentType(format.contentType());
        try {
            ctx.result(format == Format.XML ? XmlRenderer.render(body).getBytes(StandardCharsets.UTF_8)
                    : Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- handlers ----------------------------------------------------------------------------------------

    private Reply createInstant(Request r) {
        Store.StoredTest test = instant.create(r.caller(), r.param("testType"), r.body());
        return new Reply(201, wrap("test", views.test(test, r.caller().aid())),
                Map.of("Location", views.baseUrl() + "/v6/tests/" + test.testId()));
    }

    private Reply rerun(Request r) {
        instant.rerun(r.caller(), r.intParam("testId"));
        return new Reply(200, null, Map.of());
    }

    private Reply testOrType(Request r) {
        String value = r.param("testIdOrType");
        if (!value.chars().allMatch(Character::isDigit)) return tests(r, value);
        int testId = r.intParam("testIdOrType");
        Store.StoredTest test = store.test(testId, r.caller().aid())
                .orElseThrow(() -> ApiException.notFound("test " + testId + " does not exist in account group " + r.caller().aid()));
        return Reply.ok(wrap("test", views.test(test, r.caller().aid())));
    }

    /** Lists scheduled tests only: instant tests are served by id (instant-tests.md §5). */
    private Reply tests(Request r, String type) {
        ArrayNode list = NODES.arrayNode();
        store.tests(r.caller().aid(), false).stream()
                .filter(t -> type == null || t.type().equals(type))
                .forEach(t -> list.add(views.test(t, r.caller().aid())));
        return Reply.ok(NODES.objectNode().set("test", list));
    }

    private Reply update(Request r) {
        Store.StoredTest test = store.test(r.intParam("testId"), r.caller().aid())
                .orElseThrow(() -> ApiException.notFound("test " + r.param("testId") + " does not exist in account group " + r.caller().aid()));
        if (test.instant()) throw ApiException.badRequest("instant tests cannot be edited; create a new one");
        throw ApiException.badRequest("scheduled tests are not supported by this server");
    }

    private Reply delete(Request r) {
        int testId = r.intParam("testId");
        Store.StoredTest test = store.test(testId, r.caller().aid())
                .orElseThrow(() -> ApiException.notFound("test " + testId + " does not exist in account group " + r.caller().aid()));
        if (!test.type().equals(r.param("testType"))) {
            throw ApiException.badRequest("test " + testId + " is a " + test.type() + " test, not " + r.param("testType"));
        }
        store.deleteTest(testId, r.caller().aid());
        log.info("test {} deleted by {}", testId, r.caller().user().email());
        return new Reply(204, null, Map.of());
    }

    private Reply agents(Request r) {
        Set<String> types = agentTypes(r.query("agentTypes"));
        ArrayNode list = NODES.arrayNode();
        var now = clock.instant();
        store.agentsInGroup(r.caller().aid()).stream()
                .filter(a -> types == null || types.contains(a.agentType().toUpperCase(Locale.ROOT).replace(' ', '_')))
                .sorted(Comparator.comparingInt(Store.Agent::agentId))
                .forEach(a -> list.add(views.agent(a, now)));
        return Reply.ok(NODES.objectNode().set("agents", list));
    }

    private static Set<String> agentTypes(String param) {
        if (param == null) return null;
        Set<String> types = new java.util.HashSet<>();
        for (String t : param.split(",")) {
            String type = t.strip();
            if (!Set.of("CLOUD", "ENTERPRISE", "ENTERPRISE_CLUSTER").contains(type)) {
                throw ApiException.badRequest("agentTypes must be CLOUD, ENTERPRISE or ENTERPRISE_CLUSTER (comma-separated), got " + type);
            }
            types.add(type);
        }
        return types;
    }

    private Reply agent(Request r) {
        int agentId = r.intParam("agentId");
        int aid = r.caller().aid();
        Store.Agent agent = store.agent(agentId).filter(a -> store.agentInGroup(agentId, aid))
                .orElseThrow(() -> ApiException.notFound("agent " + agentId + " does not exist in account group " + aid));
        ObjectNode view = views.agent(agent, clock.instant());
        ArrayNode groups = view.putArray("accountGroups");
        for (Store.AccountGroup g : store.accountGroups(agent.orgId())) {
            if (store.agentInGroup(agentId, g.aid())) groups.addObject().put("aid", g.aid()).put("accountGroupName", g.name());
        }
        view.putArray("tests");
        view.putArray("notificationRules");
        return Reply.ok(wrap("agents", view));
    }

    private Reply accountGroups(Request r) {
        Store.User user = r.caller().user();
        ArrayNode list = NODES.arrayNode();
        store.memberships(user.uid()).stream().map(Store.Membership::aid).distinct().sorted()
                .forEach(aid -> store.accountGroup(aid).ifPresent(g -> list.addObject()
                        .put("aid", g.aid())
                        .put("accountGroupName", g.name())
                        .put("current", g.aid() == r.caller().aid() ? 1 : 0)
                        .put("default", g.aid() == user.loginAid() ? 1 : 0)));
        return Reply.ok(NODES.objectNode().set("accountGroups", list));
    }

    private Reply accountGroup(Request r) {
        int aid = r.intParam("aid");
        Store.AccountGroup group = store.accountGroup(aid).filter(g -> g.orgId() == r.caller().organization().orgId())
                .orElseThrow(() -> ApiException.notFound("account group " + aid + " does not exist"));
        ObjectNode view = NODES.objectNode()
                .put("aid", group.aid())
                .put("accountGroupName", group.name())
                .put("organizationName", r.caller().organization().name());
        ArrayNode users = view.putArray("users");
        for (Store.User u : orgUsers(r.caller())) {
            List<Store.Membership> here = store.memberships(u.uid()).stream().filter(m -> m.aid() == aid).toList();
            if (here.isEmpty()) continue;
            ObjectNode user = users.addObject().put("name", u.name()).put("email", u.email()).put("uid", u.uid());
            ArrayNode roles = user.putArray("roles");
            here.forEach(m -> store.role(m.roleId()).ifPresent(role -> roles.add(role(role))));
        }
        ArrayNode agents = view.putArray("agents");
        store.agentsInGroup(aid).forEach(a -> agents.add(views.agent(a, clock.instant())));
        return Reply.ok(wrap("accountGroups", view));
    }

    private List<Store.User> orgUsers(Caller caller) {
        return store.users(caller.organization().orgId());
    }

    private Reply users(Request r) {
        ArrayNode list = NODES.arrayNode();
        for (Store.User u : orgUsers(r.caller())) list.add(user(u));
        return Reply.ok(NODES.objectNode().set("users", list));
    }

    private Reply user(Request r) {
        int uid = r.intParam("uid");
        Store.User u = store.user(uid).filter(x -> x.orgId() == r.caller().organization().orgId())
                .orElseThrow(() -> ApiException.notFound("user " + uid + " does not exist"));
        ObjectNode view = user(u);
        ArrayNode groupRoles = view.putArray("accountGroupRoles");
        store.memberships(uid).stream().map(Store.Membership::aid).distinct().sorted().forEach(aid -> {
            ObjectNode entry = groupRoles.addObject();
            store.accountGroup(aid).ifPresent(g -> entry.putObject("accountGroup").put("aid", g.aid()).put("accountGroupName", g.name()));
            ArrayNode roles = entry.putArray("roles");
            store.memberships(uid).stream().filter(m -> m.aid() == aid)
                    .forEach(m -> store.role(m.roleId()).ifPresent(role -> roles.add(role(role))));
        });
        return Reply.ok(wrap("users", view));
    }

    private ObjectNode user(Store.User u) {
        ObjectNode view = NODES.objectNode().put("uid", u.uid()).put("name", u.name()).put("email", u.email());
        if (u.lastLogin() != null) view.put("lastLogin", Views.date(u.lastLogin()));
        if (u.dateRegistered() != null) view.put("dateRegistered", Views.date(u.dateRegistered()));
        store.accountGroup(u.loginAid()).ifPresent(g ->
                view.putObject("loginAccountGroup").put("aid", g.aid()).put("accountGroupName", g.name()));
        return view;
    }

    private static ObjectNode role(Store.Role role) {
        return NODES.objectNode().put("roleId", role.roleId()).put("roleName", role.name())
                .put("hasManagementPermissions", role.hasManagementPermissions() ? 1 : 0)
                .put("builtin", role.builtin() ? 1 : 0);
    }

    private Reply roles(Request r) {
        ArrayNode list = NODES.arrayNode();
        store.memberships(r.caller().user().uid()).stream().map(Store.Membership::roleId).distinct().sorted()
                .forEach(id -> store.role(id).ifPresent(role -> list.add(role(role))));
        for (String name : List.of("Organization Admin", "Account Admin", "Regular User")) {
            store.roleByName(null, name).filter(role -> list.findValues("roleId").stream()
                    .noneMatch(v -> v.asInt() == role.roleId())).ifPresent(role -> list.add(role(role)));
        }
        return Reply.ok(NODES.objectNode().set("roles", list));
    }

    private Reply permissions(Request r) {
        if (!r.caller().hasManagementPermission()) {
            throw ApiException.forbidden("listing permissions needs a management permission in account group " + r.caller().aid());
        }
        ArrayNode list = NODES.arrayNode();
        for (Permission p : Permission.values()) {
            list.addObject().put("permissionId", p.id()).put("label", p.label()).put("isManagementPermission", p.management() ? 1 : 0);
        }
        return Reply.ok(NODES.objectNode().set("permissions", list));
    }

    private Reply list(Request r, DataKind kind) {
        return Reply.ok(data.list(r.caller(), kind, r.intParam("testId"), query(r, null)));
    }

    private Reply detail(Request r, DataKind kind) {
        long roundId;
        try {
            roundId = Long.parseLong(r.param("roundId"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("roundId must be an integer (epoch seconds), got " + r.param("roundId"));
        }
        return Reply.ok(data.detail(r.caller(), kind, r.intParam("testId"), r.intParam("agentId"), roundId, query(r, null)));
    }

    private Reply dnsServerDetail(Request r) {
        return Reply.ok(data.list(r.caller(), DataKind.DNS_SERVER, r.intParam("testId"), query(r, r.intParam("serverId"))));
    }

    /** BGP data is never produced for instant tests: the envelope without records (test-data.md §15). */
    private Reply bgpMetrics(Request r) {
        int testId = r.intParam("testId");
        Store.StoredTest test = store.test(testId, r.caller().aid())
                .orElseThrow(() -> ApiException.notFound("test " + testId + " does not exist in account group " + r.caller().aid()));
        ObjectNode body = NODES.objectNode();
        body.putObject("net").set("test", views.test(test, r.caller().aid()));
        body.putObject("pages").put("current", 1);
        return Reply.ok(body);
    }

    private static DataService.Query query(Request r, Integer serverId) {
        return new DataService.Query(r.query("window"), r.query("from"), r.query("to"), r.query("lastRoundId"),
                r.query("direction"), "1".equals(r.query("headers")), "1".equals(r.query("certificates")), serverId);
    }

    private static ObjectNode wrap(String key, ObjectNode item) {
        ObjectNode out = NODES.objectNode();
        out.putArray(key).add(item);
        return out;
    }
}
