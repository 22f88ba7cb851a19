package dev.vantage.app;

import dev.vantage.server.ServerConfig;

import java.io.PrintWriter;

/** Starts a VantageServer for `up` and `server` and prints what a user needs to start using it. */
final class ServerLauncher {
    private ServerLauncher() {}

    /** Credentials created on the first start; shown once, stored only as hashes. */
    record FirstStart(String email, String apiToken, String bearerToken, boolean fromEnvironment) {}

    /**
     * A running server.
     *
     * @param baseUrl     what users call (the configured base URL, or http://host:port as bound)
     * @param loopbackUrl where an agent on this machine reaches it
     * @param firstStart  the credentials when this start created them, else null
     */
    record Launched(Runnable stop, String baseUrl, String loopbackUrl, String agentToken,
                    FirstStart firstStart) implements AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    /** The admin credentials a first start should use; null fields are generated. */
    record AdminSeed(String email, String apiToken, String bearerToken) {
        static AdminSeed fromEnvironment() {
            return new AdminSeed(blankToNull(System.getenv("VANTAGE_ADMIN_EMAIL")),
                    blankToNull(System.getenv("VANTAGE_ADMIN_TOKEN")), blankToNull(System.getenv("VANTAGE_ADMIN_BEARER")));
        }
    }

    static Launched start(ServerConfig config, AdminSeed seed) {
        // The server assembly (VantageServer + Bootstrap) comes from the api branch; wired in when it lands.
        throw new UnsupportedOperationException("server assembly not merged yet (" + seed + ", port "
                + config.port() + ")");
    }

    static String loopbackUrl(ServerConfig config, int port) {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("*") || host.isBlank()) host = "127.0.0.1";
        if (host.contains(":") && !host.startsWith("[")) host = "[" + host + "]";
        return "http://" + host + ":" + port;
    }

    static void printRunning(PrintWriter out, Launched launched, ServerConfig config) {
        out.println("Vantage is running at " + launched.baseUrl()
                + (config.jdbcUrl() == null ? " (data in " + config.dataDir().toAbsolutePath() + ")" : ""));
    }

    /** Prints the first-start credentials and a curl that runs an instant test on {@code agentId} (if known). */
    static void printFirstStart(PrintWriter out, Launched launched, int agentId) {
        FirstStart first = launched.firstStart();
        if (first == null) return;
        out.println();
        out.println("First start: created the organization and its admin user.");
        if (first.fromEnvironment()) {
            out.println("  admin e-mail   " + first.email() + "   (token and bearer from VANTAGE_ADMIN_* as given)");
        } else {
            out.println("Save these credentials now; they are shown only this once:");
            out.println("  admin e-mail   " + first.email());
            out.println("  API token      " + first.apiToken() + "   (Basic auth: e-mail:token)");
            out.println("  bearer token   " + first.bearerToken() + "   (Authorization: Bearer ...)");
        }
        out.println("  agent token    " + launched.agentToken() + "   (vantage agent --token ...)");
        out.println();
        out.println("Try it:");
        String user = first.email() + ":" + (first.fromEnvironment() ? "$VANTAGE_ADMIN_TOKEN" : first.apiToken());
        String agent = agentId > 0 ? Integer.toString(agentId) : "<agentId from GET /v6/agents>";
        String quote = first.fromEnvironment() ? "\"" : "'"; // let the shell expand $VANTAGE_ADMIN_TOKEN
        out.println("  curl -s -u " + quote + user + quote + " -H 'Content-Type: application/json' \\");
        out.println("    -d '{\"agents\":[{\"agentId\":" + agent + "}],\"url\":\"https://example.com/\"}' \\");
        out.println("    " + launched.baseUrl() + "/v6/instant/http-server");
        out.println();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
