package dev.vantage.measure.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.NetworkMeasurements;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent-to-agent engine: one agent's part of a round. A SOURCE runs a {@link PairSession} against the target's
 * responder and reports the target → source direction (it receives that stream) and its own view of source →
 * target; the TARGET opens its responder for the round's token, waits for the sources' sessions to end and
 * reports source → target from its receive log (the receiver measures, as the reference agent does). The server
 * joins both sides per direction.
 */
public final class AgentToAgent {
    /** How long a source keeps knocking at a target whose task has not started yet. */
    public static final long CONTACT_MILLIS = 15_000;
    /** How long a target waits for its sources beyond their contact time. */
    static final long SESSION_MILLIS = 20_000;

    private AgentToAgent() {}

    public static Map<DataKind, List<ObjectNode>> run(JsonNode definition, RunContext ctx) throws InterruptedException {
        PairSpec spec = PairSpec.from(definition);
        if (spec.roundToken() == null) {
            throw new IllegalArgumentException("agent-to-agent task without a round token (role " + spec.role() + ")");
        }
        ProbePacket.Key key = ProbePacket.Key.ofHex(spec.roundToken());
        String server = definition.path("server").asText(null);
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        List<ObjectNode> metrics = new ArrayList<>();
        List<ObjectNode> paths = new ArrayList<>();
        if (spec.role().equals(PairSpec.TARGET)) {
            List<RoundLog.Session> sessions = new ArrayList<>();
            for (PairMetrics m : target(spec, key, server, sessions, ctx)) metrics.add(Json.MAPPER.valueToTree(m));
            if (spec.measures(PairMetrics.FROM_TARGET)) {
                for (RoundLog.Session s : sessions) {
                    if (!(s.peer instanceof InetSocketAddress peer) || peer.getAddress() == null) continue;
                    for (ObjectNode trace : pathTraces(peer.getAddress().getHostAddress(), spec.port(), definition,
                            PairMetrics.FROM_TARGET, ctx)) {
                        paths.add(trace.put("sourceAgentId", s.sourceAgentId));
                    }
                }
            }
        } else {
            InetSocketAddress target = targetAddress(spec);
            if (server == null) server = PairSession.label(target);
            PairSession session = new PairSession(key, spec.agentId());
            if (spec.throughput() && spec.measures(PairMetrics.TO_TARGET)) {
                session.withThroughput(spec.throughputMillis(), spec.throughputRateMbps());
            }
            PairSession.Outcome o = session.run(target, spec.protocol(), sourceAddress(spec), spec.dscp(), CONTACT_MILLIS * 1_000_000L, ctx);
            for (PairMetrics m : sourceRecords(o, spec.direction(), server)) metrics.add(Json.MAPPER.valueToTree(m));
            if (o.reached() && spec.measures(PairMetrics.TO_TARGET)) {
                paths.addAll(pathTraces(target.getAddress().getHostAddress(), spec.port(), definition,
                        PairMetrics.TO_TARGET, ctx));
            }
        }
        out.put(DataKind.NET_METRICS, metrics);
        if (!paths.isEmpty()) out.put(DataKind.NET_PATH_VIS, paths);
        return out;
    }

    /**
     * The source's records: per direction the test asks for, or an error record per direction when the target never
     * answered. Source → target here is the source's view (target's counts from END, T2 of the reflected probes);
     * the target's own record, from every probe it received, is preferred when both exist.
     */
    public static List<PairMetrics> sourceRecords(PairSession.Outcome o, String direction, String server) {
        String serverIp = o.target().getAddress() == null ? null : o.target().getAddress().getHostAddress();
        String method = o.protocol() + " probes, one-way, measured at the source";
        List<PairMetrics> out = new ArrayList<>();
        for (String d : directions(direction)) {
            if (!o.reached()) {
                out.add(PairMetrics.failed(null, d, server, serverIp, method, o.error()));
                continue;
            }
            if (d.equals(PairMetrics.TO_TARGET)) {
                List<Long> oneWay = o.replies().stream().map(p -> p.t2() - p.t1() - o.clock().offsetNanos()).toList();
                int received = o.targetReceived() != null ? o.targetReceived() : o.replies().size();
                String error = o.targetReceived() == null
                        ? "the target's END answer never came back: loss counts only probes whose reply returned" : null;
                out.add(PairMetrics.of(null, d, server, serverIp, o.sent(), Math.min(received, o.sent()), oneWay,
                        o.clock(), method, error).withThroughput(o.targetThroughputMbps()));
            } else {
                List<Long> oneWay = o.replies().stream().map(p -> p.t4() - p.t3() + o.clock().offsetNanos()).toList();
                if (o.targetReplied() == null) {
                    out.add(PairMetrics.of(null, d, server, serverIp, 0, 0, oneWay, o.clock(), method,
                            "the target's END answer never came back: how many probes it sent back is unknown"));
                } else {
                    int replied = o.targetReplied();
                    out.add(PairMetrics.of(null, d, server, serverIp, replied, Math.min(o.replies().size(), replied),
                            oneWay, o.clock(), method, null));
                }
            }
        }
        return out;
    }

    /** The target's part: answer the round's sessions, then report source → target from what arrived. */
    static List<PairMetrics> target(PairSpec spec, ProbePacket.Key key, String server,
                                    List<RoundLog.Session> sessionsSeen, RunContext ctx) throws InterruptedException {
        Responder responder;
        try {
            responder = Responder.acquire(spec.port());
        } catch (IOException e) {
            List<PairMetrics> out = new ArrayList<>();
            for (PairSpec.Source s : spec.sources()) {
                if (spec.measures(PairMetrics.TO_TARGET)) {
                    out.add(PairMetrics.failed(s.agentId(), PairMetrics.TO_TARGET, server, null, spec.protocol()
                            + " probes, one-way, measured at the target", "target agent could not open its responder: " + e.getMessage()));
                }
            }
            return out;
        }
        RoundLog log = responder.accept(key);
        try {
            long waitEnd = Math.min(ctx.deadlineNanos() - 3_000_000_000L,
                    System.nanoTime() + (CONTACT_MILLIS + SESSION_MILLIS
                            + (spec.throughput() ? spec.throughputMillis() : 0)) * 1_000_000L);
            int expected = Math.max(1, spec.sources().size());
            log.awaitEndedSessions(expected, waitEnd);
        } finally {
            responder.retire(log);
            responder.release();
        }
        sessionsSeen.addAll(log.sessions().stream().filter(RoundLog.Session::ended).toList());
        List<PairMetrics> out = new ArrayList<>();
        if (!spec.measures(PairMetrics.TO_TARGET)) return out;
        for (PairSpec.Source source : spec.sources()) {
            RoundLog.Session session = log.sessions().stream().filter(s -> s.sourceAgentId == source.agentId())
                    .max(Comparator.comparing(RoundLog.Session::ended)).orElse(null);
            out.add(targetRecord(session, source.agentId(), spec.protocol(), spec.port(), server));
        }
        return out;
    }

    /** Source → target from the target's receive log; {@code session} null when the source never came. */
    public static PairMetrics targetRecord(RoundLog.Session session, Integer sourceAgentId, String protocol, int port,
                                           String server) {
        String method = protocol + " probes, one-way, measured at the target";
        if (session == null) {
            return PairMetrics.failed(sourceAgentId, PairMetrics.TO_TARGET, server, null, method,
                    "the source agent never reached this agent on " + protocol + " port " + port);
        }
        Set<Integer> seqs = new HashSet<>();
        List<RoundLog.Received> probes = new ArrayList<>();
        for (RoundLog.Received r : session.probes()) if (seqs.add(r.seq())) probes.add(r);
        if (!session.ended()) {
            return PairMetrics.of(sourceAgentId, PairMetrics.TO_TARGET, server, null, PairSession.PROBES,
                    Math.min(probes.size(), PairSession.PROBES), List.of(), null, method,
                    "the source did not finish its session: no clock offset, so no one-way latency; loss counted"
                            + " against " + PairSession.PROBES + " probes");
        }
        ClockOffset clock = new ClockOffset(session.offsetNanos(), session.errorBoundNanos());
        List<Long> oneWay = probes.stream().map(r -> r.t2() - r.t1() - clock.offsetNanos()).toList();
        int sent = session.probesSent();
        return PairMetrics.of(sourceAgentId, PairMetrics.TO_TARGET, server, null, sent, Math.min(probes.size(), sent),
                oneWay, clock, method, null).withThroughput(session.throughputMbps());
    }

    static List<String> directions(String direction) {
        return switch (direction) {
            case "BIDIRECTIONAL" -> List.of(PairMetrics.TO_TARGET, PairMetrics.FROM_TARGET);
            case "FROM_TARGET" -> List.of(PairMetrics.FROM_TARGET);
            default -> List.of(PairMetrics.TO_TARGET);
        };
    }

    /**
     * Path traces of one direction through the network layer's one entry (the network engine owns them). The single
     * call site for agent-to-agent path traces: only its path-vis records are kept (the probes above are the
     * agent-to-agent metrics), tagged with the direction.
     */
    static List<ObjectNode> pathTraces(String host, int port, JsonNode definition, String direction, RunContext ctx)
            throws InterruptedException {
        if (ctx.remainingMillis() < 10_000) return List.of();
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode record : NetworkMeasurements.to(host, port, definition, ctx)
                .getOrDefault(DataKind.NET_PATH_VIS, List.of())) {
            out.add(record.put("direction", direction));
        }
        return out;
    }

    private static InetSocketAddress targetAddress(PairSpec spec) {
        if (spec.targetAddresses().isEmpty()) {
            throw new IllegalArgumentException("the target agent reported no address to reach it on");
        }
        String host = spec.targetAddresses().getFirst();
        try {
            return new InetSocketAddress(InetAddress.getByName(host), spec.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the target agent's address " + host);
        }
    }

    private static InetAddress sourceAddress(PairSpec spec) {
        if (spec.sourceIp() == null) return null;
        try {
            return InetAddress.getByName(spec.sourceIp());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("sourceIpAddress " + spec.sourceIp() + " is not an address");
        }
    }
}
