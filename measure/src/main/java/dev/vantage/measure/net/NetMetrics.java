package dev.vantage.measure.net;

/**
 * End-to-end network metrics of one round (test-data.md §1). Latencies are round-trip milliseconds over the
 * answered probes; {@code jitter} is their standard deviation (the v6 definition, not RFC 3550 jitter). Every
 * latency field is null when no probe was answered, and everything but {@code server} is null when the target
 * could not be probed at all ({@code errorDetails} says why).
 *
 * @param probeMethod how the probes were made, e.g. {@code TCP connect} (which method an unprivileged agent used)
 * @param pathMtu     path MTU to the target in bytes when {@code mtuMeasurements=1} (name unconfirmed for v6)
 * @param pathMtuHop  the address of the hop that reported the bottleneck MTU (absent when no hop had to)
 */
public record NetMetrics(String server, String serverIp, Double loss, Double minLatency, Double avgLatency,
                         Double maxLatency, Double jitter, Integer probesSent, Integer probesAnswered,
                         String probeMethod, String errorDetails, Integer pathMtu, String pathMtuHop) {

    public NetMetrics(String server, String serverIp, Double loss, Double minLatency, Double avgLatency,
                      Double maxLatency, Double jitter, Integer probesSent, Integer probesAnswered,
                      String probeMethod, String errorDetails) {
        this(server, serverIp, loss, minLatency, avgLatency, maxLatency, jitter, probesSent, probesAnswered,
                probeMethod, errorDetails, null, null);
    }

    /** This record with the path MTU result; an MTU error joins {@code errorDetails}. */
    public NetMetrics withPathMtu(PathMtu.Result mtu) {
        String error = errorDetails;
        if (mtu.error() != null) error = error == null ? mtu.error() : error + "; " + mtu.error();
        return new NetMetrics(server, serverIp, loss, minLatency, avgLatency, maxLatency, jitter, probesSent,
                probesAnswered, probeMethod, error, mtu.mtu(), mtu.reportedBy());
    }
}
