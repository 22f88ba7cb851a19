package dev.vantage.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.Json;
import dev.vantage.server.Bootstrap;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;
import dev.vantage.server.store.Store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A real server on port 0 with an H2 store in a temp dir, an admin, and helpers to act as an agent. */
final class TestWorld implements AutoCloseable {
    static final String EMAIL = "admin@contract.example";
    static final String TOKEN = "contracttoken0123456789abcdefghi";
    static final String BEARER = "8a4c9f0e-1b2d-4c3e-9f8a-7b6c5d4e3f21";

    final VantageServer server;
    final Http admin;
    final Http anonymous;

    TestWorld(Path dir) {
        this(ServerConfig.defaults(dir).withPort(0).withRateLimits(true, 100_000, 10_000).withTimings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(20)));
    }

    TestWorld(ServerConfig config) {
        server = VantageServer.start(config, new Bootstrap.AdminSeed(EMAIL, TOKEN, BEARER));
        anonymous = new Http(server.baseUrl());
        admin = anonymous.basic(EMAIL, TOKEN);
    }

    Store store() {
        return server.store();
    }

    int defaultAid() {
        return store().userByEmail(EMAIL).orElseThrow().loginAid();
    }

    /** Registers an agent through the real agent protocol and returns its id. */
    int agent(String name) {
        return agent(name, server.agentToken());
    }

    int agent(String name, String agentToken) {
        Http.Reply r = anonymous.bearer(agentToken).post("/agent/v1/hello",
                "{\"name\":\"" + name + "\",\"version\":\"test\",\"hostname\":\"host-" + name + "\","
                        + "\"ipAddresses\":[\"127.0.0.1\"],\"location\":\"Lab\",\"countryId\":\"DE\",\"capabilities\":[]}");
        if (r.status() != 200) throw new AssertionError("hello failed: " + r.status() + " " + r.body());
        return r.json().get("agentId").asInt();
    }

    /** Claims the agent's tasks over the agent protocol (no waiting). */
    JsonNode poll(int agentId) {
        Http.Reply r = anonymous.bearer(server.agentToken()).get("/agent/v1/tasks?wait=0",
                "X-Vantage-Agent-Id", Integer.toString(agentId));
        if (r.status() == 204) return Json.MAPPER.createArrayNode();
        if (r.status() != 200) throw new AssertionError("poll failed: " + r.status() + " " + r.body());
        return r.json().get("tasks");
    }

    /** Uploads one record per kind for a task over the agent protocol. */
    void upload(int agentId, long taskId, Map<String, List<ObjectNode>> records) {
        ObjectNode result = Json.MAPPER.createObjectNode().put("taskId", taskId).put("measuredAtMillis", System.currentTimeMillis());
        result.set("records", Json.MAPPER.valueToTree(records));
        Http.Reply r = anonymous.bearer(server.agentToken()).post("/agent/v1/results", result.toString(),
                "X-Vantage-Agent-Id", Integer.toString(agentId));
        if (r.status() != 204) throw new AssertionError("upload failed: " + r.status() + " " + r.body());
    }

    @Override
    public void close() {
        server.close();
    }
}
