package dev.vantage.measure.net;

/**
 * End-to-end network metrics of one round (test-data.md §1). Latencies are round-trip milliseconds over the
 * answered probes; {@code jitter} is their standard deviation (the v6 definition, not RFC 3550 jitter). Every
 * latency field is null when no probe was answered, and everything but {@code server} is null when the target
 * could not be probed at all ({@code errorDetails} says why).
 *
 * @param probeMethod how the probes were made, e.g. {@code TCP connect} (which method an unprivileged agent used)
 */
public record NetMetrics(String server, String serverIp, Double loss, Double minLatency, Double avgLatency,
                         Double maxLatency, Double jitter, Integer probesSent, Integer probesAnswered,
                         String probeMethod, String errorDetails) {}
