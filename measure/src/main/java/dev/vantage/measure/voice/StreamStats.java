package dev.vantage.measure.voice;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The receiver's counts and timings of one stream, from which {@link RtpStreamRecord#of} derives the v6 record
 * (and which the standalone receiver returns to the source in its summary datagram).
 *
 * @param expected     packets of the stream (duration × packet rate)
 * @param received     distinct packets that arrived (late ones included)
 * @param discarded    of those, packets that arrived after their play-out time in the fixed de-jitter buffer
 * @param duplicates   extra copies of packets already received (not counted anywhere else)
 * @param latencyMillis mean one-way delay of the received packets (sender timestamp to arrival, minus the clock
 *                     offset), null when nothing arrived
 * @param pdvMillis    RFC 5481 packet delay variation: the 99.9th percentile of (delay − minimum delay), null when
 *                     nothing arrived
 * @param jitterMillis RFC 3550 §6.4.1 interarrival jitter at the end of the stream, null with fewer than 2 packets
 * @param dscp         the DSCP most received packets carried, null when the receiver cannot see it
 */
public record StreamStats(int expected, int received, int discarded, int duplicates, Double latencyMillis,
                          Double pdvMillis, Double jitterMillis, Integer dscp) {

    public int lost() {
        return expected - received;
    }

    /** Accumulates the packets of one stream as they arrive. */
    static final class Accumulator {
        private final CodecProfile codec;
        private final int expected;
        private final int firstSequence;
        private final long bufferNanos;
        private final long clockOffsetNanos;
        private final long[] arrivalNanos;
        private final long[] delayNanos;
        private final boolean[] seen;
        private final Map<Integer, Integer> tosCounts = new HashMap<>();
        private int received;
        private int duplicates;
        private Long ssrc;
        private int firstIndex = -1;
        private long firstArrivalNanos;
        // RFC 3550 A.8 jitter state, in timestamp units
        private double jitter;
        private long previousTransit;
        private boolean havePrevious;

        Accumulator(VoiceSpec spec, byte[] token, long clockOffsetNanos) {
            this.codec = spec.profile();
            this.expected = spec.packetCount();
            this.firstSequence = RtpPacket.firstSequence(token);
            this.bufferNanos = spec.jitterBufferMillis() * 1_000_000L;
            this.clockOffsetNanos = clockOffsetNanos;
            this.arrivalNanos = new long[expected];
            this.delayNanos = new long[expected];
            this.seen = new boolean[expected];
        }

        /**
         * Takes one authenticated packet.
         *
         * @return false when it does not belong to this stream (another SSRC, or a sequence number outside it)
         */
        boolean accept(RtpPacket.Parsed p, long arrivalNanos, long arrivalEpochNanos, Integer tos) {
            if (ssrc != null && ssrc != p.ssrc()) return false;
            // position in the stream from the sequence number, modulo 2^16: streams are at most 1500 packets, so
            // wrap-around and reordering never make this ambiguous
            int index = (p.sequence() - firstSequence) & 0xffff;
            if (index >= expected) return false;
            if (ssrc == null) ssrc = p.ssrc();
            if (seen[index]) {
                duplicates++;
                return true;
            }
            seen[index] = true;
            received++;
            this.arrivalNanos[index] = arrivalNanos;
            delayNanos[index] = arrivalEpochNanos - p.sendEpochNanos() - clockOffsetNanos;
            if (firstIndex < 0) {
                firstIndex = index;
                firstArrivalNanos = arrivalNanos;
            }
            if (tos != null) tosCounts.merge(tos >> 2, 1, Integer::sum);
            // RFC 3550 A.8: transit = arrival (in timestamp units) − RTP timestamp; D = difference of transits
            long arrivalUnits = Math.round(arrivalNanos * (codec.clockRate() / 1e9));
            long transit = arrivalUnits - p.timestamp();
            if (havePrevious) {
                double d = Math.abs(transit - previousTransit);
                jitter += (d - jitter) / 16;
            }
            previousTransit = transit;
            havePrevious = true;
            return true;
        }

        boolean complete() {
            return received == expected;
        }

        /** When, on the monotonic clock, the last packet should arrive if the stream keeps its pace. */
        long lastPacketDueNanos() {
            return firstArrivalNanos + (long) (expected - 1 - firstIndex) * codec.packetMillis() * 1_000_000L;
        }

        boolean started() {
            return firstIndex >= 0;
        }

        StreamStats stats() {
            if (received == 0) return new StreamStats(expected, 0, 0, duplicates, null, null, null, null);
            long interval = codec.packetMillis() * 1_000_000L;
            int discarded = 0;
            long[] delays = new long[received];
            int n = 0;
            double delaySum = 0;
            for (int i = 0; i < expected; i++) {
                if (!seen[i]) continue;
                // methods.md §9.4: fixed buffer of B ms, play-out at first arrival + B + (S_i − S_first)
                long playout = firstArrivalNanos + bufferNanos + (long) (i - firstIndex) * interval;
                if (arrivalNanos[i] - playout > 0) discarded++;
                delays[n++] = delayNanos[i];
                delaySum += delayNanos[i];
            }
            Arrays.sort(delays);
            long min = delays[0];
            // nearest-rank 99.9th percentile of delay − min (RFC 5481 §4.2 PDV)
            int rank = (int) Math.ceil(0.999 * received) - 1;
            double pdv = (delays[Math.max(0, rank)] - min) / 1e6;
            Double jitterMillis = received >= 2 ? jitter / codec.clockRate() * 1000 : null;
            Integer dscp = tosCounts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
            return new StreamStats(expected, received, discarded, duplicates, delaySum / received / 1e6, pdv,
                    jitterMillis, dscp);
        }
    }
}
