package dev.vantage.measure.http;

import java.util.List;

/**
 * One HTTP server measurement (test-data.md §4). Timings are whole milliseconds of the final request; earlier
 * redirect hops are summed in {@code redirectTime}. A phase that did not happen on this request (a reused
 * connection, plain HTTP) is null, not 0, and so is anything not observed because the fetch failed first.
 */
public record HttpRecord(String serverIp, Integer responseCode, Integer numRedirects, Long redirectTime,
                         Long dnsTime, Long connectTime, Long sslTime, Long waitTime,
                         Long receiveTime, Long responseTime, Long totalTime, Long wireSize, Long throughput,
                         String sslCipher, String sslVersion, String errorType, String errorDetails,
                         String requestHeaders, String responseHeaders, List<SslCert> sslCerts) {

    /** A certificate of the chain the server presented, leaf first. */
    public record SslCert(String subjectName, List<String> subjectAltNames, String issuerName, String notValidBefore,
                          String notValidAfter, Long daysUntilExpiry, Boolean fetchDateInValidCertDateRange) {}
}
