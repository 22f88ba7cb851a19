package dev.vantage.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * One kind of test-data record and the v6 endpoint that serves it.
 * {@code path} is the endpoint below {@code /v6/} (without the test id), {@code layer} the envelope's
 * top-level key and {@code recordsKey} the array key inside it (test-data.md §0.2).
 */
public enum DataKind {
    NET_METRICS("net/metrics", "net", "metrics"),
    NET_PATH_VIS("net/path-vis", "net", "pathVis"),
    WEB_HTTP_SERVER("web/http-server", "web", "httpServer"),
    WEB_PAGE_LOAD("web/page-load", "web", "pageLoad"),
    WEB_TRANSACTIONS("web/transactions", "web", "transaction"),
    WEB_WEB_TRANSACTIONS("web/web-transactions", "web", "webTransaction"),
    WEB_FTP_SERVER("web/ftp-server", "web", "ftpServer"),
    DNS_TRACE("dns/trace", "dns", "trace"),
    DNS_SERVER("dns/server", "dns", "server"),
    DNS_DNSSEC("dns/dnssec", "dns", "dnssec"),
    VOICE_SIP_SERVER("voice/sip-server", "voice", "sipMetrics"),
    VOICE_RTP_STREAM("voice/rtp-stream", "voice", "metrics");

    private final String path;
    private final String layer;
    private final String recordsKey;

    DataKind(String path, String layer, String recordsKey) {
        this.path = path;
        this.layer = layer;
        this.recordsKey = recordsKey;
    }

    public String path() { return path; }
    public String layer() { return layer; }
    public String recordsKey() { return recordsKey; }

    public static Optional<DataKind> byPath(String path) {
        return Arrays.stream(values()).filter(k -> k.path.equals(path)).findFirst();
    }
}
