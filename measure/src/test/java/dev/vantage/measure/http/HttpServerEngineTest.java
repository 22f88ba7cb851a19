package dev.vantage.measure.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import dev.vantage.measure.RunContext;
import dev.vantage.model.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The http-server engine against real local HTTP and HTTPS servers. */
class HttpServerEngineTest {
    static final long DELAY_MS = 300;
    static HttpServer http;
    static HttpsServer https;
    static final Map<String, String> seen = new ConcurrentHashMap<>();
    final HttpServerEngine engine = new HttpServerEngine();

    @BeforeAll
    static void start() throws Exception {
        http = LocalServers.http();
        http.createContext("/ok", LocalServers.text(200, "hello vantage"));
        http.createContext("/slow", exchange -> {
            try {
                Thread.sleep(DELAY_MS); // the server-side delay the wait phase must show
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LocalServers.reply(exchange, 200, "late".getBytes());
        });
        http.createContext("/hang", exchange -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        http.createContext("/echo", exchange -> {
            seen.put("method", exchange.getRequestMethod());
            seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.getRequestHeaders().forEach((k, v) -> seen.put("h:" + k.toLowerCase(), String.join(",", v)));
            LocalServers.reply(exchange, 200, "echoed".getBytes());
        });
        http.createContext("/redirect", exchange -> {
            exchange.getResponseHeaders().add("Location", "/ok");
            LocalServers.reply(exchange, 302, new byte[0]);
        });
        http.createContext("/missing", LocalServers.text(404, "nope"));
        http.createContext("/big", exchange -> LocalServers.reply(exchange, 200, new byte[200_000]));
        https = LocalServers.https();
        https.createContext("/ok", LocalServers.text(200, "secure hello"));
    }

    @AfterAll
    static void stop() {
        http.stop(0);
        https.stop(0);
    }

    HttpRecord fetch(ObjectNode definition) {
        return engine.run(HttpSpec.from(definition), RunContext.withTimeoutMillis(30_000, "test-agent"));
    }

    static ObjectNode def(String url) {
        return Json.MAPPER.createObjectNode().put("url", url);
    }

    @Test
    void plainFetchTimesEveryPhaseAndPhasesAddUp() {
        HttpRecord r = fetch(def(LocalServers.url(http, "/ok")));
        assertThat(r.errorType()).isEqualTo("None");
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.serverIp()).isEqualTo("127.0.0.1");
        assertThat(r.wireSize()).isEqualTo("hello vantage".length());
        assertThat(r.sslTime()).isNull();
        assertThat(r.connectTime()).isNotNull().isBetween(0L, 1000L);
        assertThat(r.waitTime()).isNotNull();
        assertThat(r.totalTime()).isEqualTo(r.responseTime() + r.receiveTime());
        long phases = r.connectTime() + r.waitTime() + (r.dnsTime() == null ? 0 : r.dnsTime());
        // rounding of each phase, plus the request-send step no field reports (it stretches when the CPU is starved)
        assertThat(r.responseTime()).isBetween(phases - 2, phases + 25);
        assertThat(r.requestHeaders()).startsWith("GET /ok HTTP/1.1\r\n").contains("User-Agent: " + HttpSpec.DEFAULT_USER_AGENT);
        assertThat(r.responseHeaders()).startsWith("HTTP/1.1 200");
    }

    @Test
    void waitReflectsTheServerDelay() {
        HttpRecord r = fetch(def(LocalServers.url(http, "/slow")));
        assertThat(r.errorType()).isEqualTo("None");
        assertThat(r.waitTime()).isBetween(DELAY_MS, DELAY_MS + 250);
        assertThat(r.connectTime()).isLessThan(50L);
        assertThat(r.responseTime()).isGreaterThanOrEqualTo(DELAY_MS);
    }

    @Test
    void httpsVerifiesCertificatesUnlessTold() {
        HttpRecord verified = fetch(def(LocalServers.url(https, "/ok")));
        assertThat(verified.errorType()).isEqualTo("SSL");
        assertThat(verified.errorDetails()).isNotBlank();
        assertThat(verified.responseCode()).isNull();

        HttpRecord r = fetch(def(LocalServers.url(https, "/ok")).put("verifyCertificate", 0));
        assertThat(r.errorType()).isEqualTo("None");
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.sslTime()).isNotNull().isGreaterThanOrEqualTo(0L);
        assertThat(r.sslVersion()).startsWith("TLSv1.");
        assertThat(r.sslCipher()).isNotBlank().doesNotStartWith("TLS_E");
        assertThat(r.sslCerts()).hasSize(1);
        assertThat(r.sslCerts().getFirst().subjectName()).isEqualTo("vantage-test.local");
        assertThat(r.sslCerts().getFirst().subjectAltNames()).contains("vantage-test.local");
        assertThat(r.sslCerts().getFirst().daysUntilExpiry()).isBetween(28L, 30L);
        assertThat(r.sslCerts().getFirst().fetchDateInValidCertDateRange()).isTrue();
        long phases = r.connectTime() + r.sslTime() + r.waitTime() + (r.dnsTime() == null ? 0 : r.dnsTime());
        assertThat(r.responseTime()).isBetween(phases - 3, phases + 25);
    }

    @Test
    void tlsVersionCanBePinned() {
        HttpRecord r = fetch(def(LocalServers.url(https, "/ok")).put("verifyCertificate", 0).put("sslVersionId", 6));
        assertThat(r.errorType()).isEqualTo("None");
        assertThat(r.sslVersion()).isEqualTo("TLSv1.2");
        assertThat(r.sslCipher()).matches("[A-Z0-9-]+");
    }

    @Test
    void contentRegexMismatchIsAContentError() {
        HttpRecord ok = fetch(def(LocalServers.url(http, "/ok")).put("contentRegex", "hello \\w+"));
        assertThat(ok.errorType()).isEqualTo("None");
        HttpRecord bad = fetch(def(LocalServers.url(http, "/ok")).put("contentRegex", "goodbye"));
        assertThat(bad.errorType()).isEqualTo("Content");
        assertThat(bad.errorDetails()).contains("goodbye");
        assertThat(bad.responseCode()).isEqualTo(200);
    }

    @Test
    void statusCodesFollowTheDesiredCode() {
        HttpRecord missing = fetch(def(LocalServers.url(http, "/missing")));
        assertThat(missing.errorType()).isEqualTo("HTTP");
        assertThat(missing.responseCode()).isEqualTo(404);
        HttpRecord wanted = fetch(def(LocalServers.url(http, "/missing")).put("desiredStatusCode", "404"));
        assertThat(wanted.errorType()).isEqualTo("None");
        HttpRecord unwanted = fetch(def(LocalServers.url(http, "/ok")).put("desiredStatusCode", "201"));
        assertThat(unwanted.errorType()).isEqualTo("HTTP");
        assertThat(unwanted.errorDetails()).contains("expected 201");
    }

    @Test
    void redirectsAreFollowedCountedAndTimed() {
        HttpRecord r = fetch(def(LocalServers.url(http, "/redirect")));
        assertThat(r.responseCode()).isEqualTo(200);
        assertThat(r.numRedirects()).isEqualTo(1);
        assertThat(r.redirectTime()).isNotNull().isGreaterThanOrEqualTo(0L);
        HttpRecord notFollowed = fetch(def(LocalServers.url(http, "/redirect")).put("followRedirects", 0));
        assertThat(notFollowed.responseCode()).isEqualTo(302);
        assertThat(notFollowed.numRedirects()).isZero();
        assertThat(notFollowed.errorType()).isEqualTo("None");
    }

    @Test
    void postBodyHeadersAndBasicAuthReachTheServer() {
        ObjectNode d = def(LocalServers.url(http, "/echo")).put("postBody", "a=1&b=2").put("authType", "BASIC")
                .put("username", "alice").put("password", "s3cret").put("userAgent", "probe/1.0");
        d.putArray("headers").add("X-Legacy: yes");
        d.putObject("customHeaders").putObject("all").put("X-All", "every");
        HttpRecord r = fetch(d);
        assertThat(r.errorType()).isEqualTo("None");
        assertThat(seen).containsEntry("method", "POST").containsEntry("body", "a=1&b=2")
                .containsEntry("h:x-legacy", "yes").containsEntry("h:x-all", "every")
                .containsEntry("h:user-agent", "probe/1.0")
                .containsEntry("h:authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes()));
    }

    @Test
    void downloadLimitCapsTheBytesRead() {
        HttpRecord full = fetch(def(LocalServers.url(http, "/big")));
        assertThat(full.wireSize()).isEqualTo(200_000);
        assertThat(full.throughput()).isPositive();
        HttpRecord capped = fetch(def(LocalServers.url(http, "/big")).put("downloadLimit", 1000));
        assertThat(capped.wireSize()).isLessThan(200_000L);
        assertThat(capped.errorType()).isEqualTo("None");
    }

    @Test
    void timeLimitEndsAHangingFetchAsTimeout() {
        long t0 = System.nanoTime();
        HttpRecord r = fetch(def(LocalServers.url(http, "/hang")).put("httpTimeLimit", 5));
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.errorType()).isEqualTo("Timeout");
        assertThat(took).isBetween(4_500L, 7_000L);
        assertThat(r.connectTime()).isNotNull();
        assertThat(r.responseCode()).isNull();
    }

    @Test
    void dnsAndConnectFailuresNameTheirPhase() throws IOException {
        HttpRecord dns = fetch(def("http://no-such-host.invalid/"));
        assertThat(dns.errorType()).isEqualTo("DNS");
        assertThat(dns.errorDetails()).contains("no-such-host.invalid");
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HttpRecord refused = fetch(def("http://127.0.0.1:" + closed + "/"));
        assertThat(refused.errorType()).isEqualTo("Connect");
        assertThat(refused.responseCode()).isNull();
    }

    @Test
    void dnsOverrideSkipsResolution() {
        int port = http.getAddress().getPort();
        HttpRecord r = fetch(def("http://shop.vantage-test.invalid:" + port + "/ok").put("dnsOverride", "127.0.0.1"));
        assertThat(r.errorType()).isEqualTo("None");
        assertThat(r.serverIp()).isEqualTo("127.0.0.1");
    }

    @Test
    void openSslNamesAreDerivedFromJsseNames() {
        assertThat(HttpServerEngine.openSslName("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")).isEqualTo("ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(HttpServerEngine.openSslName("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA")).isEqualTo("ECDHE-RSA-AES256-SHA");
        assertThat(HttpServerEngine.openSslName("TLS_AES_128_GCM_SHA256")).isEqualTo("TLS_AES_128_GCM_SHA256");
        assertThat(HttpServerEngine.openSslName("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")).isEqualTo("ECDHE-ECDSA-CHACHA20-POLY1305");
    }
}
