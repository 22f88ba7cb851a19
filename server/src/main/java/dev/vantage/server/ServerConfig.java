package dev.vantage.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the server is told at start.
 *
 * @param host             address to bind (default 127.0.0.1)
 * @param port             port to bind; 0 picks a free one
 * @param dataDir          where the embedded H2 store lives (ignored when {@code jdbcUrl} is set)
 * @param jdbcUrl          a PostgreSQL (or H2) JDBC URL; null means the embedded H2 store under {@code dataDir}
 * @param dbUser           database user (may be null)
 * @param dbPassword       database password (may be null)
 * @param baseUrl          externally visible base URL for apiLinks and pages.next, e.g. https://vantage.example.net;
 *                         null means http://host:port as bound
 * @param orgRateLimit     default per-organization requests per minute for new organizations (240)
 * @param instantRateLimit default instant-test requests per minute for new organizations (24)
 * @param rateLimitsEnabled false lifts all limits (benchmarks)
 * @param pollWait         longest time an agent's task long-poll is held open (30 s)
 * @param taskLease        how long a claimed task stays with an agent before it is handed out again
 * @param agentOfflineAfter an agent not seen for this long is shown Offline
 */
public record ServerConfig(String host, int port, Path dataDir, String jdbcUrl, String dbUser, String dbPassword,
                           String baseUrl, int orgRateLimit, int instantRateLimit, boolean rateLimitsEnabled,
                           Duration pollWait, Duration taskLease, Duration agentOfflineAfter) {

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("127.0.0.1", 8080, dataDir, null, null, null, null, 240, 24, true,
                Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(75));
    }

    public ServerConfig withPort(int port) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, dbUser, dbPassword, baseUrl, orgRateLimit,
                instantRateLimit, rateLimitsEnabled, pollWait, taskLease, agentOfflineAfter);
    }

    public ServerConfig withDatabase(String jdbcUrl, String user, String password) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, user, password, baseUrl, orgRateLimit,
                instantRateLimit, rateLimitsEnabled, pollWait, taskLease, agentOfflineAfter);
    }

    public ServerConfig withBaseUrl(String baseUrl) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, dbUser, dbPassword, baseUrl, orgRateLimit,
                instantRateLimit, rateLimitsEnabled, pollWait, taskLease, agentOfflineAfter);
    }

    public ServerConfig withRateLimits(boolean enabled, int orgLimit, int instantLimit) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, dbUser, dbPassword, baseUrl, orgLimit,
                instantLimit, enabled, pollWait, taskLease, agentOfflineAfter);
    }

    public ServerConfig withTimings(Duration pollWait, Duration taskLease, Duration agentOfflineAfter) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, dbUser, dbPassword, baseUrl, orgRateLimit,
                instantRateLimit, rateLimitsEnabled, pollWait, taskLease, agentOfflineAfter);
    }
}
