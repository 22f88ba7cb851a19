package dev.vantage.measure.voice;

import dev.vantage.measure.RunContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntToLongFunction;

/**
 * Sends one RTP stream: {@code duration} seconds of the codec's packets at its real packet interval and size,
 * marked with the DSCP, each carrying the round token and its send time.
 *
 * <p>Packet i is due at t0 + i × interval on the monotonic clock (the schedule never drifts: lateness of one
 * packet does not move the next). After a scheduler stall the packets that fell due are sent at once, as a real
 * sender flushes the frames its encoder produced meanwhile; stalls on a live host are a few ms, i.e. one or two
 * packets. The worst lateness is in the report.
 */
public final class RtpStreamSender {
    private RtpStreamSender() {}

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Half a second of G.711 packets refused in a row: the agent cannot send at all. */
    static final int MAX_FAILURES_IN_A_ROW = 25;

    /**
     * @param channel a channel (bound, in blocking mode) the caller owns and closes
     * @param target  where the target's receiver listens
     * @return what was sent; never throws for a network error (the report says what happened)
     */
    public static SendReport send(DatagramChannel channel, InetSocketAddress target, VoiceSpec spec, byte[] roundToken,
                                  RunContext ctx) throws InterruptedException {
        return send(channel, target, spec, roundToken, ctx, i -> 0);
    }

    /**
     * As {@link #send(DatagramChannel, InetSocketAddress, VoiceSpec, byte[], RunContext)}, with a test hook: packet
     * i leaves {@code extraDelayNanos.applyAsLong(i)} after its scheduled time (it keeps its send timestamp of
     * the scheduled time, like a packet queued that long in the network), while the rest of the schedule goes on.
     */
    static SendReport send(DatagramChannel channel, InetSocketAddress target, VoiceSpec spec, byte[] roundToken,
                           RunContext ctx, IntToLongFunction extraDelayNanos) throws InterruptedException {
        if (roundToken.length != RtpPacket.TOKEN_BYTES) throw new IllegalArgumentException("round token must be 16 bytes");
        StreamWarmup.once();
        CodecProfile codec = spec.profile();
        int planned = spec.packetCount();
        long ssrc = RANDOM.nextInt() & 0xffffffffL;
        List<String> problems = new ArrayList<>();
        try {
            channel.setOption(StandardSocketOptions.IP_TOS, spec.tos());
        } catch (IOException | UnsupportedOperationException e) {
            problems.add("could not mark packets with DSCP " + spec.dscpId() + ": " + e.getMessage());
        }
        int firstSeq = RtpPacket.firstSequence(roundToken);
        long firstTs = RtpPacket.firstTimestamp(roundToken);
        long interval = codec.packetMillis() * 1_000_000L;
        ByteBuffer buffer = ByteBuffer.allocate(RtpPacket.HEADER_BYTES + 2048);
        List<Held> held = new ArrayList<>();

        // wall clock for the send timestamps, advanced by the monotonic clock (one clock read, no steps mid-stream)
        long wallNanoOrigin = System.nanoTime();
        long wallBase = epochNanos(ctx.clock().instant());
        long t0 = System.nanoTime() + 1_000_000L; // first packet 1 ms from now
        int sent = 0;
        long bytes = 0;
        long firstWall = 0, lastWall = 0;
        long maxLate = 0;
        int index = 0;
        int failed = 0, failedInARow = 0;
        String firstFailure = null;
        while (index < planned || !held.isEmpty()) {
            long nextDue = index < planned ? t0 + index * interval : Long.MAX_VALUE;
            Held nextHeld = held.isEmpty() ? null : held.getFirst();
            long due = nextHeld != null ? Math.min(nextDue, nextHeld.due) : nextDue;
            if (due - ctx.deadlineNanos() > 0) {
                problems.add("deadline reached after " + sent + " of " + planned + " packets");
                break;
            }
            waitUntil(due);
            long now = System.nanoTime();
            ByteBuffer packet;
            if (nextHeld != null && nextHeld.due <= nextDue) {
                held.removeFirst();
                packet = ByteBuffer.wrap(nextHeld.bytes);
            } else {
                long scheduled = t0 + index * interval;
                maxLate = Math.max(maxLate, now - scheduled);
                long sendWall = wallBase + (now - wallNanoOrigin);
                RtpPacket.write(buffer, codec.payloadType(), index == 0, (firstSeq + index) & 0xffff,
                        (firstTs + (long) index * codec.timestampStep()) & 0xffffffffL, ssrc, roundToken, sendWall,
                        codec.payloadBytes(index));
                long extra = extraDelayNanos.applyAsLong(index);
                index++;
                if (extra > 0) {
                    byte[] copy = new byte[buffer.remaining()];
                    buffer.get(copy);
                    held.add(new Held(now + extra, copy));
                    held.sort((a, b) -> Long.compare(a.due, b.due));
                    continue;
                }
                packet = buffer;
            }
            int length = packet.remaining();
            try {
                if (channel.send(packet, target) == 0) throw new IOException("the socket's send buffer is full");
                long wall = wallBase + (now - wallNanoOrigin);
                if (sent == 0) firstWall = wall;
                lastWall = wall;
                sent++;
                bytes += length;
                failedInARow = 0;
            } catch (IOException e) {
                // a local refusal (a firewall's EPERM, a full queue) loses this packet, as on the wire
                failed++;
                if (firstFailure == null) firstFailure = e.getMessage();
                if (++failedInARow >= MAX_FAILURES_IN_A_ROW) {
                    problems.add("sending stopped after " + failedInARow + " failures in a row");
                    break;
                }
            }
        }
        if (failed > 0) problems.add(failed + " packets could not be sent: " + firstFailure);
        return new SendReport(planned, sent, bytes, sent > 0 ? instant(firstWall) : null,
                sent > 0 ? instant(lastWall) : null, ssrc, maxLate / 1e6, problems.isEmpty() ? null : String.join("; ", problems));
    }

    private record Held(long due, byte[] bytes) {}

    private static void waitUntil(long due) throws InterruptedException {
        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }

    static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
