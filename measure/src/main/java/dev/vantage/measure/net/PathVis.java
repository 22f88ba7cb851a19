package dev.vantage.measure.net;

import java.util.List;

/**
 * The path traces of one round in the v6 path-vis shape (test-data.md §2 and §3). One record carries both forms: the
 * summary endpoint shows {@code endpoints}, the {@code /{agentId}/{roundId}} detail endpoint shows {@code routes}.
 * Fields beyond the v6 shape are marked "extension" and documented in the README.
 *
 * @param sourcePrefix    the prefix of the local interface holding {@code sourceIp}
 * @param pathTraceMethod extension: how the traces were made, e.g. {@code TCP SYN (raw socket), classic}
 */
public record PathVis(String server, String serverIp, String sourceIp, String sourcePrefix,
                      List<Endpoint> endpoints, List<Route> routes, String pathTraceMethod, String errorDetails) {

    /** @param responseTime RTT to the last address, whole ms */
    public record Endpoint(String pathId, String ipAddress, Integer numberOfHops, Integer responseTime) {}

    /** @param reachedDestination extension: whether the destination itself answered this trace */
    public record Route(String pathId, List<Hop> hops, Boolean reachedDestination) {}

    /**
     * One answering hop; silent TTLs are left out (gaps in {@code hop} are the {@code *} of traceroute). {@code prefix},
     * {@code network} and {@code location} need routing/geo data this engine does not have and are omitted.
     *
     * @param responseTime    mean RTT of the answers, whole ms (v6)
     * @param probesSent      extension: probes sent to this TTL on this trace
     * @param loss            extension: % of them unanswered
     * @param avgLatency      extension: mean RTT in ms with decimals; also min/max and jitter (standard deviation)
     * @param icmpRateLimited extension: true when this hop's loss does not persist to later hops (ICMP generation
     *                        rate limiting on the router, not forwarding loss; methods.md §9.1)
     */
    public record Hop(int hop, String ipAddress, String prefix, String rdns, Integer responseTime, String mpls,
                      Integer probesSent, Double loss, Double minLatency, Double avgLatency, Double maxLatency,
                      Double jitter, Boolean icmpRateLimited) {}
}
