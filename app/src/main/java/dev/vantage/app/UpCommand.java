package dev.vantage.app;

import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import dev.vantage.agent.HostInfo;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.VantageServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Starts the server on the embedded database plus one built-in agent, ready to use.",
                "First start creates the organization and an admin user and prints their credentials once",
                "(set VANTAGE_ADMIN_EMAIL / VANTAGE_ADMIN_TOKEN / VANTAGE_ADMIN_BEARER to choose them).",
                "The built-in agent connects over loopback HTTP like any other agent. Ctrl-C stops both."})
final class UpCommand implements Callable<Integer> {

    @Mixin
    ServerOptions options = new ServerOptions();

    @Option(names = "--agent-name", paramLabel = "NAME", description = "Name of the built-in agent (default: hostname)")
    String agentName;

    @Mixin
    DnsOptions dns = new DnsOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = options.config();
        PrintWriter out = spec.commandLine().getOut();
        VantageServer server = ServerLauncher.start(config, ServerLauncher.seedFromEnvironment());
        String name = agentName == null || agentName.isBlank() ? HostInfo.hostname() : agentName.strip();
        Agent agent;
        try {
            agent = new Agent(new AgentSettings(URI.create(server.loopbackUrl()), server.agentToken(), name,
                    "Built-in agent", null, 8, dns.engineOptions())).start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stopping();
            agent.close();
            server.close();
            stopped.countDown();
        }, "vantage-shutdown"));

        int agentId = agent.awaitConnected(Duration.ofSeconds(15));
        ServerLauncher.printRunning(out, server);
        ServerLauncher.printFirstStart(out, server, agentId);
        if (agentId > 0) {
            out.println("Built-in agent '" + name + "' is agent " + agentId + ".");
        }
        out.flush();
        stopped.await();
        return 0;
    }
}
