package dev.vantage.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.catalogue.TestCatalogue;
import dev.vantage.model.catalogue.TestType;
import dev.vantage.server.store.Store;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Supplier;

/** Renders stored objects in their v6 shapes: test definitions, agents, account groups. */
public final class Views {
    public static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Store store;
    private final Supplier<String> baseUrl;
    private final Duration offlineAfter;

    public Views(Store store, Supplier<String> baseUrl, Duration offlineAfter) {
        this.store = store;
        this.baseUrl = baseUrl;
        this.offlineAfter = offlineAfter;
    }

    public static String date(Instant instant) {
        return DATE.format(instant);
    }

    public String baseUrl() {
        return baseUrl.get();
    }

    /** An absolute link on the externally visible base URL, carrying the account group. */
    public String link(String path, int aid) {
        return baseUrl.get() + path + "?aid=" + aid;
    }

    /**
     * The test object as v6 shows it (instant-tests.md §3.4): testId, the stored definition, createdBy/Date,
     * the agents expanded and apiLinks.
     */
    public ObjectNode test(Store.StoredTest test, int aid) {
        ObjectNode out = NODES.objectNode();
        out.put("testId", test.testId());
        JsonNode name = test.definition().get("testName");
        if (name != null) out.set("testName", name);
        out.put("type", test.type());
        test.definition().properties().forEach(e -> {
            if (!out.has(e.getKey())) out.set(e.getKey(), e.getValue());
        });
        out.put("createdBy", test.createdBy());
        out.put("createdDate", date(test.createdDate()));
        ArrayNode agents = out.putArray("agents");
        int targetAgentId = test.definition().path("targetAgentId").asInt(-1);
        for (int agentId : test.agentIds()) {
            if (agentId == targetAgentId) continue; // the target's task is stored with the agents, shown as targetAgentId
            store.agent(agentId).ifPresentOrElse(
                    a -> agents.add(testAgent(a, sourceIp(test, agentId))),
                    () -> agents.addObject().put("agentId", agentId));
        }
        ArrayNode links = out.putArray("apiLinks");
        links.addObject().put("rel", "self").put("href", link("/v6/tests/" + test.testId(), aid));
        for (DataKind kind : dataKinds(test)) {
            links.addObject().put("rel", "data").put("href", link("/v6/" + kind.path() + "/" + test.testId(), aid));
        }
        return out;
    }

    public static List<DataKind> dataKinds(Store.StoredTest test) {
        return TestType.byWireName(test.type()).map(t -> TestCatalogue.dataKinds(t, test.definition())).orElse(List.of());
    }

    private static String sourceIp(Store.StoredTest test, int agentId) {
        JsonNode agents = test.definition().get("agents");
        if (agents != null) {
            for (JsonNode a : agents) {
                if (a.path("agentId").asInt() == agentId && a.hasNonNull("sourceIpAddress")) {
                    return a.get("sourceIpAddress").asText();
                }
            }
        }
        return null;
    }

    /** The agent as it appears inside a test (test-metadata.md §3). */
    public ObjectNode testAgent(Store.Agent agent, String sourceIpAddress) {
        ObjectNode out = NODES.objectNode();
        out.put("agentId", agent.agentId());
        out.put("agentName", agent.name());
        out.put("agentType", agent.agentType());
        putIfPresent(out, "countryId", agent.countryId());
        putIfPresent(out, "location", agent.location());
        strings(out.putArray("ipAddresses"), agent.ipAddresses());
        if (!agent.publicIpAddresses().isEmpty()) strings(out.putArray("publicIpAddresses"), agent.publicIpAddresses());
        putIfPresent(out, "sourceIpAddress", sourceIpAddress);
        return out;
    }

    /** The full agent object of /v6/agents (agents-and-accounts.md §2). */
    public ObjectNode agent(Store.Agent agent, Instant now) {
        ObjectNode out = NODES.objectNode();
        out.put("agentId", agent.agentId());
        out.put("agentName", agent.name());
        out.put("agentType", agent.agentType());
        putIfPresent(out, "countryId", agent.countryId());
        putIfPresent(out, "location", agent.location());
        out.put("enabled", agent.enabled() ? 1 : 0);
        putIfPresent(out, "hostname", agent.hostname());
        strings(out.putArray("ipAddresses"), agent.ipAddresses());
        strings(out.putArray("publicIpAddresses"), agent.publicIpAddresses());
        out.put("agentState", agentState(agent, now));
        if (agent.lastSeen() != null) out.put("lastSeen", date(agent.lastSeen()));
        if (agent.createdDate() != null) out.put("createdDate", date(agent.createdDate()));
        if (agent.enabled() && online(agent, now)) out.put("utilization", utilization(agent));
        out.put("verifySslCertificates", 1);
        out.put("keepBrowserCache", 0);
        out.put("ipv6Policy", "FORCE_IPV4");
        if (!agent.ipAddresses().isEmpty()) out.put("targetForTests", agent.ipAddresses().getFirst());
        out.putArray("errorDetails");
        return out;
    }

    private boolean online(Store.Agent agent, Instant now) {
        return agent.lastSeen() != null && Duration.between(agent.lastSeen(), now).compareTo(offlineAfter) <= 0;
    }

    public String agentState(Store.Agent agent, Instant now) {
        if (!agent.enabled()) return "Disabled";
        return online(agent, now) ? "Online" : "Offline";
    }

    /** Task slots an agent has unless started with another --concurrency (the agent does not report it). */
    static final int AGENT_SLOTS = 8;

    /** Share of the agent's task slots taken by its queued and running tasks. */
    private int utilization(Store.Agent agent) {
        return Math.min(100, store.openTaskCount(agent.agentId()) * 100 / AGENT_SLOTS);
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isBlank()) node.put(field, value);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
