package dev.vantage.measure.sip;

/**
 * One SIP server measurement in the shape of {@code /v6/voice/sip-server/{testId}} (test-data.md §13). Timings are
 * whole milliseconds; a phase that did not happen (connect on UDP, REGISTER when off, anything after a failure)
 * is null. {@code optionsRequest}/{@code optionsResponse} hold the OPTIONS messages as sent and received, several
 * (challenge, then authenticated) joined with {@code \n}.
 */
public record SipRecord(String serverIp, String authUser, Double availability, Long dnsTime, Long connectTime,
                        Long waitTime, Long responseTime, Long optionsTime, Long registerTime, Long totalTime,
                        Integer numRedirects, Integer responseCode, String optionsRequest, String optionsResponse,
                        String errorType, String problemDetail) {}
