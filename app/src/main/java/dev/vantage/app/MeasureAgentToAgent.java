package dev.vantage.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.Report;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.a2a.AgentToAgent;
import dev.vantage.measure.a2a.PairMetrics;
import dev.vantage.measure.a2a.PairSession;
import dev.vantage.measure.a2a.ProbePacket;
import dev.vantage.model.DataKind;
import dev.vantage.model.HostPort;
import dev.vantage.model.Json;
import dev.vantage.model.codes.Dscp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vantage measure agent-to-agent}: one source session against a {@code vantage responder}, printing both
 * directions as this side sees them (source → target from the responder's counts and receive times, target →
 * source from the reflected probes).
 */
@Command(name = "agent-to-agent", mixinStandardHelpOptions = true,
        description = "One-way loss, latency and jitter to and from a `vantage responder` at HOST:PORT.")
final class MeasureAgentToAgent implements Callable<Integer> {
    @Option(names = "--target", required = true, paramLabel = "HOST:PORT", description = "The responder (port default 49153)")
    String target;

    @Option(names = "--token", required = true, paramLabel = "HEX", description = "The responder's --token")
    String token;

    @Option(names = "--protocol", description = "TCP or UDP (default ${DEFAULT-VALUE})")
    String protocol = "TCP";

    @Option(names = "--direction", description = "TO_TARGET, FROM_TARGET or BIDIRECTIONAL (default ${DEFAULT-VALUE})")
    String direction = "TO_TARGET";

    @Option(names = "--dscp", description = "dscpId to mark the probes with (default ${DEFAULT-VALUE})")
    int dscp = 0;

    @Option(names = "--throughput", paramLabel = "MILLIS",
            description = "Also measure throughput source -> target for MILLIS ms (throughputDuration)")
    Integer throughputMillis;

    @Option(names = "--rate", paramLabel = "MBPS", description = "UDP throughput rate in Mbit/s (throughputRate; default 10)")
    Integer rate;

    @Option(names = "--json", description = "Print the records as JSON instead of the report")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!List.of("TCP", "UDP").contains(protocol)) throw new Main.UsageError("--protocol must be TCP or UDP");
        if (!List.of("TO_TARGET", "FROM_TARGET", "BIDIRECTIONAL").contains(direction)) {
            throw new Main.UsageError("--direction must be TO_TARGET, FROM_TARGET or BIDIRECTIONAL");
        }
        if (Dscp.byId(dscp).isEmpty()) throw new Main.UsageError("--dscp " + dscp + " is not an accepted dscpId");
        ProbePacket.Key key;
        try {
            key = ProbePacket.Key.ofHex(token);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
        InetSocketAddress address = address(target);
        dev.vantage.measure.a2a.PairWarmup.run(); // a cold JVM would otherwise inflate the first probes' delays
        RunContext ctx = RunContext.withTimeoutMillis(60_000, "vantage-cli");
        PairSession session = new PairSession(key, 0);
        if (throughputMillis != null) {
            if (throughputMillis < 1 || throughputMillis > 30_000) throw new Main.UsageError("--throughput must be 1-30000 ms");
            session.withThroughput(throughputMillis, rate);
        }
        PairSession.Outcome outcome = session.run(address, protocol, null, dscp, 5_000_000_000L, ctx);
        List<ObjectNode> records = new ArrayList<>();
        for (PairMetrics m : AgentToAgent.sourceRecords(outcome, direction, target)) records.add(Json.MAPPER.valueToTree(m));
        Map<DataKind, List<ObjectNode>> byKind = new LinkedHashMap<>();
        byKind.put(DataKind.NET_METRICS, records);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("net/metrics", records)));
        } else {
            out.print(Report.format(byKind));
        }
        out.flush();
        return records.stream().anyMatch(r -> r.hasNonNull("errorDetails")) ? 1 : 0;
    }

    private static InetSocketAddress address(String hostPort) {
        HostPort target;
        try {
            target = HostPort.parse(hostPort);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--target: " + e.getMessage());
        }
        String host = target.host();
        int port = target.portOr(49153);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new Main.UsageError("cannot resolve " + host);
        }
    }
}
