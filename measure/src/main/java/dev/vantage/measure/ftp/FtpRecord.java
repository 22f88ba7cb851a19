package dev.vantage.measure.ftp;

/**
 * One ftp-server measurement (test-data.md §9). Timings are milliseconds with microsecond decimals, taken from one
 * series of System.nanoTime() marks so that they add up: {@code responseTime} = dns + connect + negotiation + wait,
 * {@code totalTime} = response + transfer. A phase the run did not reach is null, and so is everything after it;
 * the reason is in {@code errorType} (the step that failed) and {@code errorDetails}.
 *
 * @param responseCode the server's final reply code (226 after a transfer; the refusing reply, e.g. 530 or 550,
 *                     when a step failed); for SFTP the SSH_FX status (0 = OK)
 * @param wireSize     data bytes moved over the data connection (file, listing or upload)
 * @param throughput   wireSize ÷ transferTime, bytes per second
 */
public record FtpRecord(String serverIp, Integer responseCode, Double dnsTime, Double connectTime,
                        Double negotiationTime, Double waitTime, Double responseTime, Double transferTime,
                        Double totalTime, Long wireSize, Long throughput, String errorType, String errorDetails) {

    static FtpRecord failed(String errorType, String errorDetails) {
        return new FtpRecord(null, null, null, null, null, null, null, null, null, null, null, errorType, errorDetails);
    }
}
