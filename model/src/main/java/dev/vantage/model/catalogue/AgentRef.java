package dev.vantage.model.catalogue;

/** An agent named in a test request: {@code {"agentId": 12, "sourceIpAddress": "10.0.0.5"}}. */
public record AgentRef(int agentId, String sourceIpAddress) {}
