package dev.vantage.measure.voice;

import dev.vantage.measure.RunContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Receives one RTP stream at the target and measures it. Only packets carrying the round token count; anything
 * else is dropped, and the receiver never answers a packet (the standalone receiver's one summary datagram is
 * {@link VoiceMeasurements}' business, under its size rule).
 *
 * <p>The stream's packets are placed by sequence number relative to the first sequence number the token implies,
 * so wrap-around, reordering, duplicates and losses before the first arrival are all counted right. Arrivals are
 * run through a fixed de-jitter buffer of {@code jitterBuffer} ms (methods.md §9.4): packet i plays at first
 * arrival + B + (S_i − S_first); a packet that arrives after that is a discard.
 *
 * <p>Receiving ends when every packet arrived, or {@code B} + 1 s after the last packet was due at the stream's
 * pace (later packets would be discards anyway), or at the deadline. Before the first packet it waits until the
 * deadline.
 */
public final class RtpStreamReceiver {
    private RtpStreamReceiver() {}

    /** How long after the last packet was due (on top of the buffer) stragglers are still counted. */
    static final long GRACE_NANOS = 1_000_000_000L;

    /**
     * What a receiver learned: the record, the statistics behind it, and who sent the stream.
     *
     * @param sender              where the stream's packets came from, null when none arrived
     * @param smallestPacketBytes the smallest of the stream's datagrams (a reply must not be larger), 0 if none
     * @param ignoredDatagrams    datagrams dropped for a missing or wrong token, or not belonging to the stream
     */
    public record Received(RtpStreamRecord record, StreamStats stats, InetSocketAddress sender, int smallestPacketBytes,
                           int ignoredDatagrams) {}

    /**
     * @param clockOffsetNanos the receiver's clock minus the sender's (subtracted from every one-way delay); 0 when
     *                         both run on synchronised clocks or the same host
     */
    public static RtpStreamRecord receive(DatagramReceiver in, VoiceSpec spec, byte[] roundToken, long clockOffsetNanos,
                                          RunContext ctx) throws InterruptedException {
        return receiveStream(in, spec, roundToken, clockOffsetNanos, ctx).record();
    }

    /** As {@link #receive}, returning also what a reply to the sender needs. */
    public static Received receiveStream(DatagramReceiver in, VoiceSpec spec, byte[] roundToken, long clockOffsetNanos,
                                         RunContext ctx) throws InterruptedException {
        StreamWarmup.once();
        String serverIp = serverIp(spec);
        StreamStats.Accumulator stream = new StreamStats.Accumulator(spec, roundToken, clockOffsetNanos);
        long bufferNanos = spec.jitterBufferMillis() * 1_000_000L;
        InetSocketAddress sender = null;
        int smallest = Integer.MAX_VALUE;
        int ignored = 0;
        String error = null;
        while (!stream.complete()) {
            long end = ctx.deadlineNanos();
            if (stream.started()) end = Math.min(end, stream.lastPacketDueNanos() + bufferNanos + GRACE_NANOS);
            long left = end - System.nanoTime();
            if (left <= 0) break;
            DatagramReceiver.Datagram d;
            try {
                d = in.receive(left);
            } catch (IOException e) {
                error = "receiving failed: " + e.getMessage();
                break;
            }
            if (d == null) continue;
            RtpPacket.Parsed p = RtpPacket.read(d.data(), d.data().length, roundToken);
            boolean ours = p != null && (sender == null || sender.equals(d.source()))
                    && stream.accept(p, d.arrivalNanos(), d.arrivalEpochNanos(), d.tos());
            if (!ours) {
                ignored++;
                continue;
            }
            if (sender == null) sender = d.source();
            smallest = Math.min(smallest, d.data().length);
        }
        StreamStats stats = stream.stats();
        if (!stream.started() && error == null) {
            error = "no packet of the stream arrived before the deadline"
                    + (ignored > 0 ? " (" + ignored + " datagrams without the round token were dropped)" : "");
        }
        RtpStreamRecord record = RtpStreamRecord.of(spec, serverIp, stats, in.tosUnavailableReason(), error);
        return new Received(record, stats, sender, sender == null ? 0 : smallest, ignored);
    }

    private static String serverIp(VoiceSpec spec) {
        if (spec.targetHost() == null) return null;
        try {
            return InetAddress.getByName(spec.targetHost()).getHostAddress();
        } catch (UnknownHostException e) {
            return spec.targetHost();
        }
    }
}
