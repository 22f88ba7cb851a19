package dev.vantage.app;

import dev.vantage.server.Bootstrap;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;

import java.io.PrintWriter;

/** Starts a VantageServer for `up` and `server` and prints what a user needs to start using it. */
final class ServerLauncher {
    private ServerLauncher() {}

    /** The admin credentials a first start uses: VANTAGE_ADMIN_EMAIL / _TOKEN / _BEARER, generated when unset. */
    static Bootstrap.AdminSeed seedFromEnvironment() {
        return new Bootstrap.AdminSeed(blankToNull(System.getenv("VANTAGE_ADMIN_EMAIL")),
                blankToNull(System.getenv("VANTAGE_ADMIN_TOKEN")), blankToNull(System.getenv("VANTAGE_ADMIN_BEARER")));
    }

    static VantageServer start(ServerConfig config, Bootstrap.AdminSeed seed) {
        return VantageServer.start(config, seed);
    }

    static void printRunning(PrintWriter out, VantageServer server) {
        ServerConfig config = server.config();
        out.println("Vantage is running at " + server.baseUrl()
                + (config.jdbcUrl() == null ? " (data in " + config.dataDir().toAbsolutePath() + ")" : ""));
    }

    /** On a first start: the credentials, once, and a curl that runs an instant test on {@code agentId} (if known). */
    static void printFirstStart(PrintWriter out, VantageServer server, int agentId) {
        Bootstrap.FirstStart first = server.firstStart().orElse(null);
        if (first == null) return;
        out.println();
        out.println("First start: created the organization and its admin user.");
        if (first.tokensGiven()) {
            out.println("  admin e-mail   " + first.email() + "   (API and bearer tokens from VANTAGE_ADMIN_*)");
        } else {
            out.println("Save these credentials now; they are shown only this once:");
            out.println("  admin e-mail   " + first.email());
            out.println("  API token      " + first.apiToken() + "   (Basic auth: e-mail:token)");
            out.println("  bearer token   " + first.bearerToken() + "   (Authorization: Bearer ...)");
        }
        out.println("  agent token    " + first.agentToken() + "   (vantage agent --token ...; vantage agent-token prints it)");
        out.println();
        out.println("Try it:");
        // With tokens from the environment, let the shell expand $VANTAGE_ADMIN_TOKEN rather than print it.
        String user = first.tokensGiven() ? "\"" + first.email() + ":$VANTAGE_ADMIN_TOKEN\""
                : "'" + first.email() + ":" + first.apiToken() + "'";
        String agent = agentId > 0 ? Integer.toString(agentId) : "<agentId from GET /v6/agents>";
        out.println("  curl -s -u " + user + " -H 'Content-Type: application/json' \\");
        out.println("    -d '{\"agents\":[{\"agentId\":" + agent + "}],\"url\":\"https://example.com/\"}' \\");
        out.println("    " + server.baseUrl() + "/v6/instant/http-server");
        out.println();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
