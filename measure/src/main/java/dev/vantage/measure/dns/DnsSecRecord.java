package dev.vantage.measure.dns;

/**
 * One agent's DNSSEC validation of a record in one round (test-data.md §12). {@code valid} is 1 when the chain of
 * trust from the agent's trust anchor validates the answer, else 0 with the reason in {@code errorDetails} (the
 * validator's words for the first broken link); errorDetails is omitted when valid. Extras: {@code status}
 * (SECURE, INSECURE, BOGUS, or null when no answer was had), {@code queries} sent and {@code totalTime} (ms).
 */
public record DnsSecRecord(Integer valid, String errorDetails, String status, String mappings, Integer queries,
                           Long totalTime) {}
