package dev.vantage.measure.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.voice.DatagramReceiver;
import dev.vantage.measure.voice.SendReport;
import dev.vantage.measure.voice.VoiceMeasurements;
import dev.vantage.measure.voice.VoiceSpec;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A voice round between two agents, on the pairing machinery of agent-to-agent. The source first runs a probe
 * session against the target's responder on the voice port (UDP): the 5+5 clock sync gives the target the offset
 * for one-way delay, and its 50 probes are the test's net metrics (source → target). Then it sends the RTP stream
 * ({@link VoiceMeasurements#source}) to the same port, where the target's responder hands every datagram that is
 * not a probe to the round's receiver ({@link Tap}); the target's record is the test's rtp-stream data.
 */
public final class PairVoice {
    private PairVoice() {}

    public static Map<DataKind, List<ObjectNode>> run(JsonNode definition, RunContext ctx) throws InterruptedException {
        PairSpec spec = PairSpec.from(definition);
        if (spec.roundToken() == null) throw new IllegalArgumentException("voice task without a round token");
        ProbePacket.Key key = ProbePacket.Key.ofHex(spec.roundToken());
        byte[] token = HexFormat.of().parseHex(spec.roundToken());
        String server = definition.path("server").asText(null);
        VoiceSpec voice = VoiceSpec.from((ObjectNode) definition);
        return spec.role().equals(PairSpec.TARGET) ? target(spec, voice, key, token, server, ctx)
                : source(spec, voice, key, token, server, ctx);
    }

    static Map<DataKind, List<ObjectNode>> source(PairSpec spec, VoiceSpec voice, ProbePacket.Key key, byte[] token,
                                                  String server, RunContext ctx) throws InterruptedException {
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        if (spec.targetAddresses().isEmpty()) throw new IllegalArgumentException("the target agent reported no address");
        InetSocketAddress target;
        try {
            target = new InetSocketAddress(InetAddress.getByName(spec.targetAddresses().getFirst()), spec.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the target agent's address " + spec.targetAddresses().getFirst());
        }
        InetAddress from = null;
        if (spec.sourceIp() != null) {
            try {
                from = InetAddress.getByName(spec.sourceIp());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("sourceIpAddress " + spec.sourceIp() + " is not an address");
            }
        }
        PairSession.Outcome o = new PairSession(key, spec.agentId()).run(target, "UDP", from, voice.dscpId(),
                AgentToAgent.CONTACT_MILLIS * 1_000_000L, ctx);
        List<ObjectNode> net = new ArrayList<>();
        for (PairMetrics m : AgentToAgent.sourceRecords(o, "TO_TARGET", server)) net.add(Json.MAPPER.valueToTree(m));
        out.put(DataKind.NET_METRICS, net);
        String failure = o.error();
        if (o.reached()) {
            SendReport sent = VoiceMeasurements.source(voice.withTarget(target.getAddress().getHostAddress(),
                    spec.port()), token, ctx);
            if (sent.packetsSent() == 0) failure = "the stream could not be sent: " + sent.error();
        }
        if (failure != null) {
            // the target reports the stream; only when there was none does the source say why
            out.put(DataKind.VOICE_RTP_STREAM, List.of(Json.MAPPER.createObjectNode()
                    .put("serverIp", target.getAddress().getHostAddress()).put("errorType", "Connect")
                    .put("errorDetail", failure)));
        }
        return out;
    }

    /** Runs the RTP receiver once on nothing, so its classes are loaded before the stream's first packet. */
    private static void warmReceiver(VoiceSpec voice, byte[] token, RunContext ctx) throws InterruptedException {
        DatagramReceiver nothing = new DatagramReceiver() {
            @Override
            public Datagram receive(long timeoutNanos) {
                return null;
            }

            @Override
            public String tosUnavailableReason() {
                return "";
            }

            @Override
            public void close() {}
        };
        VoiceMeasurements.target(nothing, voice, token, 0,
                new RunContext(System.nanoTime() + 1_000_000L, ctx.clock(), ctx.agentName()));
    }

    static Map<DataKind, List<ObjectNode>> target(PairSpec spec, VoiceSpec voice, ProbePacket.Key key, byte[] token,
                                                  String server, RunContext ctx) throws InterruptedException {
        List<ObjectNode> streams = new ArrayList<>();
        List<ObjectNode> net = new ArrayList<>();
        Responder responder;
        try {
            responder = Responder.acquire(spec.port());
        } catch (IOException e) {
            for (PairSpec.Source s : spec.sources()) {
                streams.add(Json.MAPPER.createObjectNode().put("sourceAgentId", s.agentId()).put("errorType", "Connect")
                        .put("errorDetail", "target agent could not open its responder: " + e.getMessage()));
            }
            return Map.of(DataKind.VOICE_RTP_STREAM, streams);
        }
        RoundLog log = responder.accept(key);
        Tap tap = log.openTap();
        warmReceiver(voice, token, ctx);
        try (ExecutorService receivers = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<Integer, Future<ObjectNode>> running = new LinkedHashMap<>();
            long waitEnd = Math.min(ctx.deadlineNanos() - 3_000_000_000L,
                    System.nanoTime() + (AgentToAgent.CONTACT_MILLIS + AgentToAgent.SESSION_MILLIS) * 1_000_000L);
            int expected = Math.max(1, spec.sources().size());
            // each source's stream starts right after its probe session ends: start its receiver then
            Set<RoundLog.Session> handled = Collections.newSetFromMap(new IdentityHashMap<>());
            while (running.size() < expected && System.nanoTime() < waitEnd) {
                for (RoundLog.Session s : log.sessions()) {
                    if (!s.ended() || !handled.add(s) || running.containsKey(s.sourceAgentId)
                            || !(s.peer instanceof InetSocketAddress peer)) continue;
                    DatagramReceiver in = tap.from(peer.getAddress());
                    long streamEnd = System.nanoTime() + (voice.durationSeconds() * 1000L + voice.jitterBufferMillis()
                            + 5_000) * 1_000_000L;
                    RunContext streamCtx = new RunContext(Math.min(ctx.deadlineNanos() - 2_000_000_000L, streamEnd),
                            ctx.clock(), ctx.agentName());
                    running.put(s.sourceAgentId, receivers.submit(() -> {
                        try (in) {
                            ObjectNode record = VoiceMeasurements.target(in, voice, token, s.offsetNanos(), streamCtx)
                                    .get(DataKind.VOICE_RTP_STREAM).getFirst().deepCopy();
                            return record.put("sourceAgentId", s.sourceAgentId);
                        }
                    }));
                    net.add(Json.MAPPER.valueToTree(AgentToAgent.targetRecord(s, s.sourceAgentId, "UDP", spec.port(),
                            server)));
                }
                if (running.size() < expected) log.awaitEndedSessions(handled.size() + 1, waitEnd);
            }
            for (PairSpec.Source source : spec.sources()) {
                Future<ObjectNode> f = running.get(source.agentId());
                if (f == null) {
                    streams.add(Json.MAPPER.createObjectNode().put("sourceAgentId", source.agentId())
                            .put("errorType", "Connect")
                            .put("errorDetail", "the source agent never reached this agent on UDP port " + spec.port()));
                    net.add(Json.MAPPER.valueToTree(AgentToAgent.targetRecord(null, source.agentId(), "UDP",
                            spec.port(), server)));
                    continue;
                }
                try {
                    streams.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    streams.add(Json.MAPPER.createObjectNode().put("sourceAgentId", source.agentId())
                            .put("errorType", "OTHER").put("errorDetail", "receiving the stream failed: " + e.getCause()));
                }
            }
        } finally {
            responder.retire(log);
            responder.release();
        }
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        out.put(DataKind.VOICE_RTP_STREAM, streams);
        out.put(DataKind.NET_METRICS, net);
        return out;
    }
}
