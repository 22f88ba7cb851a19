package dev.vantage.app;

import dev.vantage.server.ServerConfig;
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
        ServerLauncher.Launched launched = ServerLauncher.start(config, ServerLauncher.AdminSeed.fromEnvironment());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            launched.close();
            stopped.countDown();
        }, "vantage-shutdown"));
        ServerLauncher.printRunning(out, launched, config);
        ServerLauncher.printFirstStart(out, launched, -1);
        out.println("Connect agents with: vantage agent --server " + launched.baseUrl()
                + " --token <agent token> --name <name>   (vantage agent-token prints the token)");
        out.flush();
        stopped.await();
        return 0;
    }
}
