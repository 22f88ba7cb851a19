package dev.vantage.measure.voice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.HostPort;
import dev.vantage.model.codes.Codec;
import dev.vantage.model.codes.Dscp;

/**
 * The voice (RTP stream) engine's view of a test definition (test-metadata.md §4.12). Both ends of a stream use
 * the same spec: the source sends to {@code targetHost:targetPort}, the target listens on {@code targetPort} and
 * reports {@code targetHost} as its {@code serverIp}.
 *
 * @param codec              {@code codecId} (default 0, G.711)
 * @param dscpId             {@code dscpId} the source marks its packets with (default 46, EF)
 * @param durationSeconds    {@code duration}, 5–30 s (default 5)
 * @param jitterBufferMillis {@code jitterBuffer}, 0–150 ms (default 40): the receiver's fixed de-jitter buffer
 * @param targetHost         the target agent's address (null when only the port is known, e.g. on the target)
 * @param targetPort         {@code port} (default 49152)
 * @param sourceIp           {@code sourceIpAddress} to send from, or null
 */
public record VoiceSpec(Codec codec, int dscpId, int durationSeconds, int jitterBufferMillis, String targetHost,
                        int targetPort, String sourceIp) {

    public static final int DEFAULT_PORT = 49152;

    public VoiceSpec {
        if (codec == null) throw new IllegalArgumentException("codecId is required");
        if (Dscp.byId(dscpId).isEmpty()) throw new IllegalArgumentException("dscpId " + dscpId + " is not a known DSCP value");
        if (durationSeconds < 5 || durationSeconds > 30)
            throw new IllegalArgumentException("duration must be 5-30 seconds, got " + durationSeconds);
        if (jitterBufferMillis < 0 || jitterBufferMillis > 150)
            throw new IllegalArgumentException("jitterBuffer must be 0-150 ms, got " + jitterBufferMillis);
        if (targetPort < 1 || targetPort > 65535) throw new IllegalArgumentException("port must be 1-65535, got " + targetPort);
    }

    /**
     * Reads a stored voice definition; absent fields take the v6 defaults. The target host comes from
     * {@code server} ("host:port", the echoed form) when present; the pair dispatch may set it with
     * {@link #withTarget}.
     *
     * @throws IllegalArgumentException for an unknown codec or DSCP, or a value out of range
     */
    public static VoiceSpec from(ObjectNode d) {
        int codecId = d.path("codecId").asInt(0);
        Codec codec = Codec.byId(codecId).orElseThrow(() -> new IllegalArgumentException("codecId " + codecId + " is not a known codec"));
        String server = text(d, "server");
        HostPort target = server == null ? null : HostPort.parse(server);
        String host = target == null ? null : target.host();
        int port = target == null ? DEFAULT_PORT : target.portOr(DEFAULT_PORT);
        if (d.hasNonNull("port")) port = d.get("port").asInt();
        return new VoiceSpec(codec, d.path("dscpId").asInt(46), d.path("duration").asInt(5),
                d.path("jitterBuffer").asInt(40), host, port, text(d, "sourceIpAddress"));
    }

    public VoiceSpec withTarget(String host, int port) {
        return new VoiceSpec(codec, dscpId, durationSeconds, jitterBufferMillis, host, port, sourceIp);
    }

    public CodecProfile profile() {
        return CodecProfile.of(codec);
    }

    /** Packets the source sends: duration × packets per second. */
    public int packetCount() {
        return profile().packetCount(durationSeconds);
    }

    /** The IP TOS byte for {@link #dscpId}: DSCP in the upper six bits, ECN bits zero. */
    public int tos() {
        return dscpId << 2;
    }

    private static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
