package dev.vantage.app;

import dev.vantage.server.Bootstrap;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;

import java.nio.file.Path;
import java.time.Duration;

/** A real server as `vantage server` starts it, on port 0 with its own data directory and known admin credentials. */
final class TestServer implements AutoCloseable {
    static final String EMAIL = "admin@e2e.example";
    static final String TOKEN = "e2etoken0123456789abcdefghijklmn";
    static final String BEARER = "4f1c2a3e-0c7d-4b8e-9a51-2d3c4b5a6f70";

    private final VantageServer launched;

    private TestServer(VantageServer launched) {
        this.launched = launched;
    }

    /** Short poll wait (2 s, under {@code agentOfflineAfter}) and offline time so the tests see agents come and go within seconds. */
    static TestServer start(Path data, Duration agentOfflineAfter) {
        ServerConfig config = ServerConfig.defaults(data).withPort(0).withRateLimits(false, 240, 24)
                .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(30), agentOfflineAfter);
        return new TestServer(ServerLauncher.start(config, new Bootstrap.AdminSeed(EMAIL, TOKEN, BEARER)));
    }

    String baseUrl() {
        return launched.baseUrl();
    }

    String agentToken() {
        return launched.agentToken();
    }

    V6Client client() {
        return new V6Client(launched.baseUrl(), EMAIL, TOKEN);
    }

    @Override
    public void close() {
        launched.close();
    }
}
