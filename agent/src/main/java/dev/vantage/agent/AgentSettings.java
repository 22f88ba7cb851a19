package dev.vantage.agent;

import dev.vantage.measure.EngineOptions;

import java.net.URI;

/**
 * How an agent connects and who it says it is.
 *
 * @param serverUrl   base URL of the server, e.g. {@code http://127.0.0.1:8080}
 * @param token       the organization's agent token
 * @param name        the agent's name, unique within its organization (re-using a name re-uses the agent)
 * @param location    free text shown in the agent list (may be null)
 * @param countryId   ISO country code (may be null)
 * @param concurrency how many tasks may run at once
 * @param engineOptions what some engines need from the agent's own configuration (DNS root hints, trust anchors)
 */
public record AgentSettings(URI serverUrl, String token, String name, String location, String countryId,
                            int concurrency, EngineOptions engineOptions) {

    public AgentSettings(URI serverUrl, String token, String name, String location, String countryId, int concurrency) {
        this(serverUrl, token, name, location, countryId, concurrency, EngineOptions.DEFAULT);
    }

    public static final String VERSION = "0.1.0";

    public AgentSettings {
        if (serverUrl == null) throw new IllegalArgumentException("server URL is required");
        String scheme = serverUrl.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || serverUrl.getHost() == null) {
            throw new IllegalArgumentException("server URL must be http(s)://host[:port], got '" + serverUrl + "'");
        }
        if (token == null || token.isBlank()) throw new IllegalArgumentException("agent token is required");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("agent name is required");
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        if (engineOptions == null) engineOptions = EngineOptions.DEFAULT;
    }

    public static AgentSettings of(String serverUrl, String token, String name) {
        return new AgentSettings(URI.create(serverUrl), token, name, null, null, 8);
    }
}
