package dev.vantage.measure.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * Capacity and available bandwidth toward a TCP target ({@code bandwidthMeasurements=1}) from the dispersion of trains
 * of MTU-sized packets (packet-pair / packet-train probing, Dovrolis, Ramanathan and Moore, "Packet-dispersion
 * techniques and a capacity-estimation methodology", IEEE/ACM ToN 2004). Each probe is a SYN carrying data up to the
 * packet size, from its own source port, so the target answers every one at once (SYN/ACK or RST) with a small packet
 * whose arrival keeps the spacing the narrowest forward link gave the large ones. Arrival times are the kernel's.
 *
 * <ul>
 *   <li>{@code capacity}: the median over all back-to-back pairs of {@code bits / dispersion} — the bottleneck's
 *   rate, which cross traffic can only blur, not shift, at the median.</li>
 *   <li>{@code bandwidth}: the median over trains of {@code (n − 1) · bits / (t_last − t_first)}, the asymptotic
 *   dispersion rate of a train: at most the capacity, less as cross traffic takes its share.</li>
 * </ul>
 * Needs CAP_NET_RAW and IPv4 (raw SYNs); a metric that could not be measured is absent with the reason.
 */
final class BandwidthEstimator {
    static final int TRAINS = 12;
    static final int TRAIN_LENGTH = 8;
    /** Gap between trains: lets the bottleneck queue drain, so each train starts on an empty link. */
    static final long TRAIN_GAP_MILLIS = 20;
    static final long ANSWER_WAIT_MILLIS = 1_000;

    /** Megabits per second; null with {@code error} when not measured. */
    record Estimate(Double bandwidthMbps, Double capacityMbps, int pairs, int trains, String error) {}

    /**
     * @param packetBytes IP packet size of each probe (the path MTU, at most 1500)
     */
    static Estimate run(Inet4Address target, int port, Inet4Address source, int packetBytes, long untilNanos)
            throws InterruptedException {
        int size = Math.clamp(packetBytes, 576, 1500);
        double bits = size * 8.0;
        List<Double> pairRates = new ArrayList<>();
        List<Double> trainRates = new ArrayList<>();
        try (TcpSynProber prober = new TcpSynProber(target, port, source, TRAIN_LENGTH, 0)) {
            prober.carryPayload(size - 40); // IPv4 and TCP headers without options
            for (int train = 0; train < TRAINS && System.nanoTime() < untilNanos; train++) {
                long[] at = new long[TRAIN_LENGTH];
                for (int i = 0; i < TRAIN_LENGTH; i++) prober.send(i, 64, train * TRAIN_LENGTH + i);
                long waitUntil = Math.min(untilNanos, System.nanoTime() + ANSWER_WAIT_MILLIS * 1_000_000L);
                int answered = 0;
                while (answered < TRAIN_LENGTH) {
                    Prober.Reply r = prober.next(waitUntil);
                    if (r == null) break;
                    int i = r.seq() - train * TRAIN_LENGTH;
                    if (r.kind() != Prober.Kind.DESTINATION || i < 0 || i >= TRAIN_LENGTH || at[i] != 0) continue;
                    at[i] = r.atNanos();
                    answered++;
                }
                for (int i = 0; i + 1 < TRAIN_LENGTH; i++) {
                    long d = at[i + 1] - at[i];
                    if (at[i] != 0 && at[i + 1] != 0 && d > 0) pairRates.add(bits / d * 1e3); // bits/ns → Mbit/s
                }
                int first = firstAnswered(at), last = lastAnswered(at);
                if (first >= 0 && last > first && at[last] > at[first]) {
                    trainRates.add((last - first) * bits / (at[last] - at[first]) * 1e3);
                }
                Thread.sleep(TRAIN_GAP_MILLIS); // pacing between trains, not waiting for show
            }
        } catch (IOException e) {
            return new Estimate(null, null, 0, 0, "bandwidth not measured: " + e.getMessage());
        }
        if (pairRates.isEmpty() || trainRates.isEmpty()) {
            return new Estimate(null, null, pairRates.size(), trainRates.size(),
                    "bandwidth not measured: too few answers to the probe trains");
        }
        return new Estimate(round(median(trainRates)), round(median(pairRates)), pairRates.size(), trainRates.size(), null);
    }

    private static int firstAnswered(long[] at) {
        for (int i = 0; i < at.length; i++) if (at[i] != 0) return i;
        return -1;
    }

    private static int lastAnswered(long[] at) {
        for (int i = at.length - 1; i >= 0; i--) if (at[i] != 0) return i;
        return -1;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double round(double mbps) {
        return Math.round(mbps * 10) / 10.0;
    }

    private BandwidthEstimator() {}
}
