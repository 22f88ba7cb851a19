package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** Options shared by `up` and `server`. */
final class ServerOptions {
    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to bind; 0.0.0.0 for all interfaces (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--data", defaultValue = "./data", paramLabel = "DIR",
            description = "Directory of the embedded database (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Externally visible base URL for apiLinks, e.g. https://vantage.example.net")
    String baseUrl;

    @Option(names = "--db-url", paramLabel = "JDBC_URL",
            description = "PostgreSQL JDBC URL (e.g. jdbc:postgresql://db:5432/vantage) instead of the embedded database")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "${env:VANTAGE_DB_USER}", description = "Database user (default: $VANTAGE_DB_USER)")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "${env:VANTAGE_DB_PASSWORD}",
            description = "Database password (default: $VANTAGE_DB_PASSWORD)")
    String dbPassword;

    @Option(names = "--no-rate-limits", description = "Lift the per-organization and instant-test rate limits")
    boolean noRateLimits;

    ServerConfig config() {
        if (port < 0 || port > 65535) throw new Main.UsageError("--port must be 0..65535, got " + port);
        if (host == null || host.isBlank()) throw new Main.UsageError("--host is empty");
        if (baseUrl != null) {
            try {
                URI uri = URI.create(baseUrl);
                if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw new Main.UsageError("--base-url must be an absolute URL like https://vantage.example.net, got '"
                        + baseUrl + "'");
            }
        }
        if (dbUrl != null && !dbUrl.startsWith("jdbc:")) {
            throw new Main.UsageError("--db-url must be a JDBC URL (jdbc:postgresql://host:5432/db), got '" + dbUrl + "'");
        }
        ServerConfig defaults = ServerConfig.defaults(data);
        ServerConfig config = new ServerConfig(host, port, data, dbUrl, dbUser, dbPassword,
                baseUrl == null ? null : baseUrl.replaceAll("/+$", ""), defaults.orgRateLimit(),
                defaults.instantRateLimit(), !noRateLimits, defaults.pollWait(), defaults.taskLease(),
                defaults.agentOfflineAfter());
        return config;
    }
}
