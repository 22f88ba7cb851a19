package dev.vantage.measure.ftp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The ftp-server engine's view of a test definition (test-metadata.md §4.7).
 *
 * @param requestType      {@code Download}, {@code Upload} or {@code List}
 * @param downloadLimit    bytes after which a download stops (null: the whole file); for Upload the size sent
 * @param targetTimeMillis ftpTargetTime: a "good" threshold for display only, it changes nothing measured
 * @param activeMode       useActiveFtp=1: the server connects back to us for data (PORT/EPRT)
 * @param explicitFtps     useExplicitFtps=1: AUTH TLS is required; 0 tries it and carries on in clear if refused
 */
public record FtpSpec(String url, String requestType, String username, String password, Long downloadLimit,
                      int timeLimitSeconds, int targetTimeMillis, boolean activeMode, boolean explicitFtps,
                      String sourceIpAddress) {

    /** Bytes an Upload sends when the test sets no downloadLimit. */
    public static final long DEFAULT_UPLOAD_BYTES = 1024 * 1024;

    /** Reads a stored definition; absent fields take the v6 defaults. */
    public static FtpSpec from(JsonNode d) {
        return new FtpSpec(d.path("url").asText(), d.path("requestType").asText("Download"),
                d.path("username").asText(""), d.path("password").asText(""),
                d.hasNonNull("downloadLimit") ? d.get("downloadLimit").asLong() : null,
                d.path("ftpTimeLimit").asInt(10), d.path("ftpTargetTime").asInt(1000),
                d.path("useActiveFtp").asInt(0) == 1, d.path("useExplicitFtps").asInt(0) == 1,
                d.hasNonNull("sourceIpAddress") && !d.get("sourceIpAddress").asText().isEmpty()
                        ? d.get("sourceIpAddress").asText() : null);
    }

    /** Bytes an Upload sends. */
    public long uploadBytes() {
        return downloadLimit != null ? downloadLimit : DEFAULT_UPLOAD_BYTES;
    }
}
