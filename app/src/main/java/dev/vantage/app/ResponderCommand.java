package dev.vantage.app;

import dev.vantage.measure.a2a.AgentToAgent;
import dev.vantage.measure.a2a.PairMetrics;
import dev.vantage.measure.a2a.ProbePacket;
import dev.vantage.measure.a2a.Responder;
import dev.vantage.measure.a2a.RoundLog;
import dev.vantage.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vantage responder}: the agent-to-agent responder alone, for {@code vantage measure agent-to-agent} from
 * another host. It answers only probes sealed with the given token and prints, for every session that ends, the
 * source → target metrics it computed from what it received (the target's record).
 */
@Command(name = "responder", mixinStandardHelpOptions = true,
        description = {"Answers agent-to-agent probes sealed with --token on UDP and TCP --port, and prints the",
                "one-way (source -> target) metrics of every session that ends. Stop with Ctrl-C."})
final class ResponderCommand implements Callable<Integer> {
    @Option(names = "--port", description = "UDP and TCP port to listen on (default ${DEFAULT-VALUE})")
    int port = 49153;

    @Option(names = "--token", required = true, paramLabel = "HEX",
            description = "The shared token (at least 32 hex digits), e.g. from: openssl rand -hex 16")
    String token;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ProbePacket.Key key;
        try {
            key = ProbePacket.Key.ofHex(token);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        try (Responder responder = Responder.open(port)) {
            RoundLog round = responder.accept(key);
            Set<Long> printed = new HashSet<>();
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            out.println("responder listening on UDP and TCP port " + responder.port());
            out.flush();
            while (stop.getCount() > 0) {
                // wakes when a session ends (or every half second, to see the shutdown)
                round.awaitEndedSessions(printed.size() + 1, System.nanoTime() + 500_000_000L);
                for (RoundLog.Session s : round.sessions()) {
                    if (!s.ended() || !printed.add(s.sessionId)) continue;
                    PairMetrics m = AgentToAgent.targetRecord(s, null, s.protocol, responder.port(), null);
                    out.println("session from " + s.peer + " (" + s.protocol + "): " + Json.MAPPER.valueToTree(m));
                    out.flush();
                }
            }
        }
        return 0;
    }
}
