package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Starts the server (controller) alone; agents connect with `vantage agent`.",
                "Uses the embedded database under --data, or PostgreSQL with --db-url (several servers may share it).",
                "First start creates the organization and an admin user and prints their credentials once."})
final class ServerCommand implements Callable<Integer> {

    @Mixin
    ServerOptions options = new ServerOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = options.config();
        PrintWriter out = spec.commandLine().getOut();
        VantageServer server = ServerLauncher.start(config, ServerLauncher.seedFromEnvironment());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "vantage-shutdown"));
        ServerLauncher.printRunning(out, server);
        ServerLauncher.printFirstStart(out, server, -1);
        out.println("Connect agents with: vantage agent --server " + server.baseUrl()
                + " --token <agent token> --name <name>   (vantage agent-token prints the token)");
        out.flush();
        stopped.await();
        return 0;
    }
}
