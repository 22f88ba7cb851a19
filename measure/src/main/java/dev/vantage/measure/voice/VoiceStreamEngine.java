package dev.vantage.measure.voice;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

/**
 * The voice test run alone ({@code vantage measure voice}): sends the RTP stream to a standalone receiver
 * ({@code vantage voice-receiver}, or the agent's responder) and builds the record from the one summary datagram
 * the receiver returns ({@link StreamSummary}). One-way latency assumes the two hosts' clocks agree (same host, or
 * NTP-synchronised); between agents the pair dispatch measures the clock offset and the target builds the record.
 */
public final class VoiceStreamEngine implements Engine<VoiceSpec, RtpStreamRecord> {
    /** How long after its last packet the source waits for the summary, on top of the receiver's own wait. */
    static final long SUMMARY_SLACK_NANOS = 1_500_000_000L;

    private final byte[] roundToken;

    /** @param roundToken the 16-byte token the receiver was started with */
    public VoiceStreamEngine(byte[] roundToken) {
        if (roundToken.length != RtpPacket.TOKEN_BYTES) throw new IllegalArgumentException("round token must be 16 bytes");
        this.roundToken = roundToken.clone();
    }

    @Override
    public RtpStreamRecord run(VoiceSpec spec, RunContext ctx) throws InterruptedException {
        InetSocketAddress target = new InetSocketAddress(spec.targetHost(), spec.targetPort());
        if (target.isUnresolved()) {
            return RtpStreamRecord.of(spec, null, null, null, "could not resolve " + spec.targetHost() + ": name not found");
        }
        String serverIp = target.getAddress().getHostAddress();
        DatagramChannel channel;
        try {
            channel = VoiceMeasurements.openSender(spec, target.getAddress());
        } catch (IOException e) {
            return RtpStreamRecord.of(spec, serverIp, null, null, "cannot send from this agent: " + e.getMessage());
        }
        SendReport sent;
        try {
            sent = RtpStreamSender.send(channel, target, spec, roundToken, ctx);
        } catch (InterruptedException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        if (sent.packetsSent() == 0) {
            closeQuietly(channel);
            return RtpStreamRecord.of(spec, serverIp, null, null, sent.error());
        }
        // the summary may already wait in the socket buffer
        try (ChannelDatagramReceiver replies = new ChannelDatagramReceiver(channel, ctx.clock())) {
            long end = Math.min(ctx.deadlineNanos(), System.nanoTime() + spec.jitterBufferMillis() * 1_000_000L
                    + RtpStreamReceiver.GRACE_NANOS + SUMMARY_SLACK_NANOS);
            for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                DatagramReceiver.Datagram d = replies.receive(left);
                if (d == null || !d.source().equals(target)) continue;
                StreamStats stats = StreamSummary.decode(d.data(), roundToken);
                if (stats == null) continue;
                return RtpStreamRecord.of(spec, serverIp, stats, stats.dscp() != null ? null
                        : "the receiver did not observe the DSCP of the packets (it cannot read the IP TOS byte)", sent.error());
            }
            return RtpStreamRecord.of(spec, serverIp, null, null, "no summary came back from the receiver at "
                    + serverIp + ":" + spec.targetPort() + " (sent " + sent.packetsSent() + " of "
                    + sent.packetsPlanned() + " packets; is a voice receiver running there with this token?)"
                    + (sent.error() != null ? "; " + sent.error() : ""));
        } catch (IOException e) {
            return RtpStreamRecord.of(spec, serverIp, null, null, "receiving the summary failed: " + e.getMessage());
        }
    }

    private static void closeQuietly(DatagramChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to report
        }
    }
}
