package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import dev.vantage.server.store.Store;
import dev.vantage.server.store.Stores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "agent-token", mixinStandardHelpOptions = true,
        description = {"Prints the organization's agent token (what `vantage agent --token` needs).",
                "Works while the server runs (the embedded database allows a second process)."})
final class AgentTokenCommand implements Callable<Integer> {

    @Mixin
    StoreOptions store = new StoreOptions();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        ServerConfig config = store.config();
        if (config.jdbcUrl() == null && !Files.exists(store.data.resolve("vantage.mv.db"))) {
            throw new Main.UsageError("no Vantage database in " + store.data.toAbsolutePath()
                    + ": start the server once (vantage up --data " + store.data + ") or give --data/--db-url");
        }
        try (Store db = Stores.open(config)) {
            List<Store.Organization> orgs = db.organizations();
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
