package dev.vantage.measure.voice;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Map;

/**
 * The two roles of a voice test, for the agent: the source agent sends the stream
 * ({@link #source}), the target agent receives and measures it ({@link #target}); the target's record is the
 * test's {@code /v6/voice/rtp-stream} data. The round token (16 bytes, issued by the server to both agents)
 * authenticates the stream. The network layer (net metrics, path trace) is the pair dispatch's business.
 */
public final class VoiceMeasurements {
    private VoiceMeasurements() {}

    /**
     * Source role: sends the stream from {@code sourceIpAddress} (or any address) to the target.
     *
     * @param spec the test's spec with the target's address ({@link VoiceSpec#withTarget})
     */
    public static SendReport source(VoiceSpec spec, byte[] roundToken, RunContext ctx) throws InterruptedException {
        InetSocketAddress target = new InetSocketAddress(spec.targetHost(), spec.targetPort());
        if (target.isUnresolved()) {
            return new SendReport(spec.packetCount(), 0, 0, null, null, 0, 0, "could not resolve " + spec.targetHost());
        }
        try (DatagramChannel channel = openSender(spec, target.getAddress())) {
            return RtpStreamSender.send(channel, target, spec, roundToken, ctx);
        } catch (IOException e) {
            return new SendReport(spec.packetCount(), 0, 0, null, null, 0, 0, "cannot send from this agent: " + e.getMessage());
        }
    }

    /**
     * Target role on a receiver the caller opened (and closes), e.g. the agent's responder socket on the test's
     * {@code port}: receives the stream and returns its record.
     *
     * @param clockOffsetNanos this agent's clock minus the source agent's
     */
    public static Map<DataKind, List<ObjectNode>> target(DatagramReceiver in, VoiceSpec spec, byte[] roundToken,
                                                         long clockOffsetNanos, RunContext ctx) throws InterruptedException {
        RtpStreamRecord record = RtpStreamReceiver.receive(in, spec, roundToken, clockOffsetNanos, ctx);
        return Map.of(DataKind.VOICE_RTP_STREAM, List.of(Json.MAPPER.valueToTree(record)));
    }

    /** Target role on its own socket: binds {@code port} on every address and receives the stream. */
    public static Map<DataKind, List<ObjectNode>> target(VoiceSpec spec, byte[] roundToken, long clockOffsetNanos,
                                                         RunContext ctx) throws InterruptedException, IOException {
        try (NativeDatagramReceiver in = NativeDatagramReceiver.open(null, spec.targetPort(), ctx.clock())) {
            return target(in, spec, roundToken, clockOffsetNanos, ctx);
        }
    }

    /** A receiving channel on {@code address:port} ({@code address} null: every address, IPv4 and IPv6). */
    public static DatagramChannel openReceiver(InetAddress address, int port) throws IOException {
        DatagramChannel channel = address instanceof java.net.Inet4Address
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20); // a 30 s stream must not overflow it
            channel.bind(new InetSocketAddress(address, port));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    static DatagramChannel openSender(VoiceSpec spec, InetAddress target) throws IOException {
        DatagramChannel channel = target instanceof java.net.Inet4Address
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open(StandardProtocolFamily.INET6);
        try {
            InetAddress source = spec.sourceIp() == null ? null : InetAddress.getByName(spec.sourceIp());
            channel.bind(new InetSocketAddress(source, 0));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Standalone receiver ({@code vantage voice-receiver}): receives one stream and sends the source ONE summary
     * datagram ({@link StreamSummary}) when it is no larger than the smallest packet the source sent us. Never
     * answers anything else.
     *
     * @return what was received; {@code replied} says whether the summary went out
     */
    public static StandaloneResult receiveAndReply(NativeDatagramReceiver in, VoiceSpec spec, byte[] roundToken,
                                                   RunContext ctx) throws InterruptedException {
        RtpStreamReceiver.Received received = RtpStreamReceiver.receiveStream(in, spec, roundToken, 0, ctx);
        boolean replied = false;
        if (received.sender() != null && StreamSummary.BYTES <= received.smallestPacketBytes()) {
            try {
                in.send(StreamSummary.encode(roundToken, received.stats()), received.sender());
                replied = true;
            } catch (IOException e) {
                // the receiver's own record still stands; the source reports that no summary came
            }
        }
        return new StandaloneResult(received, replied);
    }

    /** @param replied whether the summary datagram went to the source */
    public record StandaloneResult(RtpStreamReceiver.Received received, boolean replied) {}
}
