package dev.vantage.measure.a2a;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One direction of an agent-to-agent round, in the shape of a v6 net/metrics record (test-data.md §1) plus what
 * a reader needs to trust a one-way figure: the clock offset used and its error bound. Latencies are one-way
 * milliseconds (receive time − send time − clock offset); {@code jitter} is their standard deviation, the v6
 * definition. A metric that could not be measured is null and {@code errorDetails} says why.
 *
 * @param sourceAgentId set on the records the target agent computes, naming the source agent of the session
 * @param probesSent    probes sent in this direction
 * @param probesReceived probes the receiving side got
 * @param throughput    Mbit/s received by the target (source → target only; unit unconfirmed in v6)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PairMetrics(Integer sourceAgentId, String direction, String server, String serverIp, Double loss,
                          Double minLatency, Double avgLatency, Double maxLatency, Double jitter,
                          Integer probesSent, Integer probesReceived, Double clockOffset, Double clockErrorBound,
                          Double throughput, String probeMethod, String errorDetails) {

    public static final String TO_TARGET = "TO_TARGET", FROM_TARGET = "FROM_TARGET";

    public static PairMetrics failed(Integer sourceAgentId, String direction, String server, String serverIp,
                                     String probeMethod, String error) {
        return new PairMetrics(sourceAgentId, direction, server, serverIp, null, null, null, null, null, null, null,
                null, null, null, probeMethod, error);
    }

    /**
     * @param sent      probes sent this way
     * @param received  distinct probes that arrived
     * @param oneWayNanos one-way delay of each arrived probe, clock offset already removed (may be empty)
     */
    static PairMetrics of(Integer sourceAgentId, String direction, String server, String serverIp, int sent,
                          int received, List<Long> oneWayNanos, ClockOffset clock, String probeMethod, String error) {
        Double loss = sent > 0 ? round(100.0 * (sent - received) / sent) : null;
        Double min = null, avg = null, max = null, jitter = null;
        if (!oneWayNanos.isEmpty()) {
            double[] ms = oneWayNanos.stream().mapToDouble(n -> n / 1e6).toArray();
            double sum = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
            for (double v : ms) {
                sum += v;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            double mean = sum / ms.length, sq = 0;
            for (double v : ms) sq += (v - mean) * (v - mean);
            min = round(lo);
            max = round(hi);
            avg = round(mean);
            jitter = round(Math.sqrt(sq / ms.length));
        }
        return new PairMetrics(sourceAgentId, direction, server, serverIp, loss, min, avg, max, jitter, sent, received,
                clock == null ? null : round(clock.offsetNanos() / 1e6),
                clock == null ? null : round(clock.errorBoundNanos() / 1e6), null, probeMethod, error);
    }

    PairMetrics withThroughput(Double mbps) {
        return new PairMetrics(sourceAgentId, direction, server, serverIp, loss, minLatency, avgLatency, maxLatency,
                jitter, probesSent, probesReceived, clockOffset, clockErrorBound, mbps == null ? null : round(mbps),
                probeMethod, errorDetails);
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
