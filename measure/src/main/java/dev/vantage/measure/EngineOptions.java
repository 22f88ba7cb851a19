package dev.vantage.measure;

import dev.vantage.measure.dns.DnsConfig;

/**
 * What an agent is configured with on its command line that some engines need besides the test definition, e.g.
 * the DNS root hints and trust anchors (a private root in a lab, the IANA root by default).
 *
 * @param dns root hints for dns-trace and trust anchors for dns-dnssec
 */
public record EngineOptions(DnsConfig dns) {
    public static final EngineOptions DEFAULT = new EngineOptions(DnsConfig.DEFAULT);

    public EngineOptions {
        if (dns == null) dns = DnsConfig.DEFAULT;
    }
}
