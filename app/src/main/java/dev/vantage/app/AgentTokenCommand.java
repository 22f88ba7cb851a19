package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import dev.vantage.server.store.Store;
import dev.vantage.server.store.Stores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "agent-token", mixinStandardHelpOptions = true,
        description = {"Prints the organization's agent token (what `vantage agent --token` needs).",
                "Works while the server runs (the embedded database allows a second process)."})
final class AgentTokenCommand implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "./data", paramLabel = "DIR",
            description = "Data directory of the embedded database (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--db-url", paramLabel = "JDBC_URL", description = "PostgreSQL JDBC URL instead of --data")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "${env:VANTAGE_DB_USER}", description = "Database user")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "${env:VANTAGE_DB_PASSWORD}", description = "Database password")
    String dbPassword;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (dbUrl == null && !Files.exists(data.resolve("vantage.mv.db"))) {
            throw new Main.UsageError("no Vantage database in " + data.toAbsolutePath()
                    + ": start the server once (vantage up --data " + data + ") or give --data/--db-url");
        }
        ServerConfig config = ServerConfig.defaults(data).withDatabase(dbUrl, dbUser, dbPassword);
        try (Store store = Stores.open(config)) {
            List<Store.Organization> orgs = store.organizations();
            if (orgs.isEmpty()) {
                throw new Main.UsageError("the database has no organization yet: start the server once");
            }
            if (orgs.size() == 1) {
                out.println(orgs.getFirst().agentToken());
            } else {
                for (Store.Organization org : orgs) {
                    out.println(org.orgId() + "\t" + org.name() + "\t" + org.agentToken());
                }
            }
        }
        out.flush();
        return 0;
    }
}
