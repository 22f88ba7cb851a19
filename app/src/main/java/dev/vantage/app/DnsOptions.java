package dev.vantage.app;

import dev.vantage.measure.EngineOptions;
import dev.vantage.measure.dns.DnsConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The agent's DNS starting points, for {@code agent}, {@code up} and the DNS {@code measure} commands. */
final class DnsOptions {
    @Option(names = "--dns-root-hints", paramLabel = "FILE|IP[,IP...]",
            description = {"Root servers dns-trace and dns-dnssec start from: a hints file in zone-file form",
                    "(named.root: '. NS name' + the names' A/AAAA) or addresses; default: the IANA root servers"})
    String rootHints;

    @Option(names = "--dns-trust-anchor", paramLabel = "FILE",
            description = {"DS and/or DNSKEY records (zone-file form) dns-dnssec validates from;",
                    "default: the IANA root KSK-2017 (20326) and KSK-2024 (38696)"})
    Path trustAnchor;

    /** The options as the engines take them; a bad file or address list is a usage error (exit 2). */
    EngineOptions engineOptions() {
        DnsConfig dns = DnsConfig.DEFAULT;
        try {
            if (rootHints != null) dns = dns.withRootHints(rootHints);
            if (trustAnchor != null) dns = dns.withTrustAnchorFile(trustAnchor);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
        return new EngineOptions(dns);
    }
}
