package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;

/** Options shared by `up` and `server`. */
final class ServerOptions {
    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to bind; 0.0.0.0 for all interfaces (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Externally visible base URL for apiLinks, e.g. https://vantage.example.net")
    String baseUrl;

    @Mixin
    StoreOptions store = new StoreOptions();

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
        ServerConfig defaults = store.config();
        return new ServerConfig(host, port, defaults.dataDir(), defaults.jdbcUrl(), defaults.dbUser(),
                defaults.dbPassword(), baseUrl == null ? null : baseUrl.replaceAll("/+$", ""), defaults.orgRateLimit(),
                defaults.instantRateLimit(), !noRateLimits, defaults.pollWait(), defaults.taskLease(),
                defaults.agentOfflineAfter());
    }
}
