package dev.vantage.app;

import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import dev.vantage.agent.HostInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.concurrent.Callable;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Runs an agent that connects to a Vantage server and runs the tests it is given.",
                "The agent dials out to the server; nothing needs to reach the agent.",
                "Stops cleanly on Ctrl-C / SIGTERM."})
final class AgentCommand implements Callable<Integer> {

    @Option(names = "--server", required = true, paramLabel = "URL",
            description = "Server base URL, e.g. http://127.0.0.1:8080")
    String server;

    @Option(names = "--token", paramLabel = "AGENT_TOKEN", defaultValue = "${env:VANTAGE_AGENT_TOKEN}",
            description = "The organization's agent token (`vantage agent-token`); default: $VANTAGE_AGENT_TOKEN")
    String token;

    @Option(names = "--name", paramLabel = "NAME", description = "Agent name, unique in the organization (default: hostname)")
    String name;

    @Option(names = "--location", description = "Location shown in the agent list, e.g. \"Frankfurt, Germany\"")
    String location;

    @Option(names = "--country", paramLabel = "CC", description = "ISO country code, e.g. DE")
    String country;

    @Option(names = "--concurrency", defaultValue = "8", description = "Tasks run at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @picocli.CommandLine.Mixin
    DnsOptions dns = new DnsOptions();

    @Override
    public Integer call() throws Exception {
        if (token == null || token.isBlank()) {
            throw new Main.UsageError("an agent token is required: --token AGENT_TOKEN or VANTAGE_AGENT_TOKEN "
                    + "(print it with `vantage agent-token`)");
        }
        URI url;
        try {
            url = URI.create(server.strip());
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--server must be http(s)://host[:port], got '" + server + "'");
        }
        AgentSettings settings;
        try {
            settings = new AgentSettings(url, token.strip(), name == null ? HostInfo.hostname() : name, location,
                    country, concurrency, dns.engineOptions());
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
        Agent agent = new Agent(settings);
        Thread hook = new Thread(agent::close, "vantage-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        agent.start();
        Agent.Outcome outcome = agent.awaitEnd();
        if (outcome instanceof Agent.Outcome.Refused(String reason)) {
            agent.close();
            System.err.println("vantage agent: the server refused this agent: " + reason);
            return 1;
        }
        return 0;
    }
}
