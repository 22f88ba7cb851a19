package dev.vantage.measure.http;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.TlsVersion;
import okio.BufferedSource;

import javax.net.SocketFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One HTTP(S) fetch with OkHttp, timing every phase from its {@link okhttp3.EventListener} events. A fresh client
 * and connection pool per run, so DNS, connect and TLS are really measured; no retries (a retry hides a failure);
 * redirects are followed one hop at a time so each hop is timed. Failures are records with {@code errorType}.
 */
public final class HttpServerEngine implements Engine<HttpSpec, HttpRecord> {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

    @Override
    public HttpRecord run(HttpSpec spec, RunContext ctx) {
        HttpUrl url = HttpUrl.parse(spec.url());
        if (url == null) return error("HTTP", "url is not a valid http(s) URL: " + spec.url(), null, null);
        long limitMillis = Math.min(spec.timeLimitSeconds() * 1000L, ctx.remainingMillis());
        long deadline = System.nanoTime() + limitMillis * 1_000_000L;
        OkHttpClient client;
        try {
            client = client(spec, limitMillis);
        } catch (IllegalArgumentException e) {
            return error("SSL", e.getMessage(), null, null);
        }
        try {
            return fetch(client, spec, url, deadline, ctx);
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    private HttpRecord fetch(OkHttpClient client, HttpSpec spec, HttpUrl url, long deadline, RunContext ctx) {
        long redirectNanos = 0;
        int redirects = 0;
        boolean first = true;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) return error("Timeout", "no response within " + spec.timeLimitSeconds() + " s", null, redirects);
            PhaseTimer timer = new PhaseTimer();
            var call = client.newBuilder().eventListener(timer).callTimeout(left, TimeUnit.MILLISECONDS).build()
                    .newCall(request(spec, url, first));
            Response response;
            try {
                response = call.execute();
            } catch (IOException e) {
                return failure(e, timer, spec, redirects);
            }
            try (response) {
                int code = response.code();
                String location = response.header("Location");
                if (spec.followRedirects() && response.isRedirect() && location != null && redirects < MAX_REDIRECTS) {
                    HttpUrl next = url.resolve(location);
                    if (next != null) {
                        drain(response.body(), 64 * 1024);
                        redirectNanos += System.nanoTime() - timer.callStart;
                        redirects++;
                        url = next;
                        first = false;
                        continue;
                    }
                }
                Body body;
                try {
                    body = read(response.body(), spec.downloadLimit());
                } catch (IOException e) {
                    return failure(e, timer, spec, redirects);
                }
                if (timer.responseEnd == 0) timer.responseEnd = System.nanoTime();
                return record(timer, spec, code, response, body, redirects, redirectNanos, ctx);
            }
        }
    }

    private HttpRecord record(PhaseTimer t, HttpSpec spec, int code, Response response, Body body, int redirects,
                              long redirectNanos, RunContext ctx) {
        Long ssl = PhaseTimer.millis(t.secureStart, t.secureEnd);
        Long connect = t.connectStart == 0 ? null
                : Math.round(((t.secureStart != 0 ? t.secureStart : t.connectEnd) - t.connectStart) / 1e6);
        Long dns = PhaseTimer.millis(t.dnsStart, t.dnsEnd);
        Long wait = PhaseTimer.millis(t.requestEnd, t.responseStart);
        Long responseTime = PhaseTimer.millis(t.callStart, t.responseStart);
        Long receive = PhaseTimer.millis(t.responseStart, t.responseEnd);
        long wire = t.bodyBytes >= 0 ? t.bodyBytes : body.bytes().length;
        Long throughput = t.responseEnd > t.responseStart
                ? Math.round(wire / ((t.responseEnd - t.responseStart) / 1e9)) : null;
        String errorType = "None";
        String details = null;
        if (!statusOk(spec, code)) {
            errorType = "HTTP";
            details = "HTTP " + code + (response.message().isEmpty() ? "" : " " + response.message())
                    + (spec.desiredStatusCode() != null ? " (expected " + spec.desiredStatusCode() + ")" : "");
        } else if (spec.contentRegex() != null) {
            String problem = contentProblem(spec.contentRegex(), body.text(response));
            if (problem != null) {
                errorType = "Content";
                details = problem;
            }
        }
        return new HttpRecord(t.serverIp, code, redirects, redirects > 0 ? Math.round(redirectNanos / 1e6) : null,
                dns, connect, ssl, wait, receive, responseTime,
                responseTime == null || receive == null ? null : responseTime + receive, wire, throughput,
                t.handshake == null ? null : openSslName(t.handshake.cipherSuite().javaName()),
                t.handshake == null ? null : t.handshake.tlsVersion().javaName(), errorType, details,
                requestHeaders(t), responseHeaders(response), certs(t, ctx.clock().instant()));
    }

    /** The desired status code when the test names one; otherwise any 2xx or 3xx (spec: default success rule). */
    private static boolean statusOk(HttpSpec spec, int code) {
        if (spec.desiredStatusCode() != null) return spec.desiredStatusCode().strip().equals(Integer.toString(code));
        return code >= 200 && code < 400;
    }

    private static String contentProblem(String regex, String text) {
        Matcher m;
        try {
            m = Pattern.compile(regex).matcher(text);
        } catch (PatternSyntaxException e) {
            return "contentRegex is not a valid regular expression: " + e.getDescription();
        }
        return m.find() ? null : "the content did not match the regex " + regex;
    }

    /** Names the phase a failed fetch stopped in, from the events that did happen. */
    private HttpRecord failure(IOException e, PhaseTimer t, HttpSpec spec, int redirects) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        boolean timeout = e instanceof InterruptedIOException;
        String type;
        if (e instanceof UnknownHostException || (t.dnsStart != 0 && t.dnsEnd == 0)) {
            type = "DNS";
            message = "could not resolve " + HttpUrl.parse(spec.url()).host() + ": " + message;
        } else if (e instanceof SSLException || (t.secureStart != 0 && t.secureEnd == 0)) {
            type = "SSL";
        } else if (!t.connected()) {
            type = "Connect";
        } else if (timeout) {
            type = "Timeout";
            message = "no complete response within " + spec.timeLimitSeconds() + " s (" + message + ")";
        } else {
            type = t.requestEnd == 0 ? "Send" : "Receive";
        }
        if (timeout && !type.equals("Timeout")) message = "timed out (" + message + ")";
        Long connect = t.connectStart == 0 || (t.connectEnd == 0 && t.secureStart == 0) ? null
                : Math.round(((t.secureStart != 0 ? t.secureStart : t.connectEnd) - t.connectStart) / 1e6);
        return new HttpRecord(t.serverIp, null, redirects, null, PhaseTimer.millis(t.dnsStart, t.dnsEnd), connect,
                PhaseTimer.millis(t.secureStart, t.secureEnd), null, null, null, null, null, null, null, null,
                type, message, requestHeaders(t), null, null);
    }

    private static HttpRecord error(String type, String details, String ip, Integer redirects) {
        return new HttpRecord(ip, null, redirects, null, null, null, null, null, null, null, null, null, null,
                null, null, type, details, null, null, null);
    }

    private static Request request(HttpSpec spec, HttpUrl url, boolean first) {
        Request.Builder b = new Request.Builder().url(url);
        b.header("User-Agent", spec.userAgent() != null ? spec.userAgent() : HttpSpec.DEFAULT_USER_AGENT);
        if ("BASIC".equalsIgnoreCase(spec.authType()) && spec.username() != null) {
            String pair = spec.username() + ":" + (spec.password() == null ? "" : spec.password());
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        spec.allHeaders().forEach(b::header);
        Map<String, String> domain = spec.domainHeaders().get(url.host().toLowerCase());
        if (domain != null) domain.forEach(b::header);
        if (first) spec.rootHeaders().forEach(b::header);
        if (first && spec.postBody() != null) {
            String type = spec.rootHeaders().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Type"))
                    .map(Map.Entry::getValue).findFirst().orElse("application/x-www-form-urlencoded");
            b.post(RequestBody.create(spec.postBody().getBytes(StandardCharsets.UTF_8), MediaType.parse(type)));
        }
        return b.build();
    }

    private OkHttpClient client(HttpSpec spec, long limitMillis) {
        if ("NTLM".equalsIgnoreCase(spec.authType()) || "KERBEROS".equalsIgnoreCase(spec.authType())) {
            throw new IllegalArgumentException("authType " + spec.authType() + " is not supported by this agent");
        }
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(1, 1, TimeUnit.SECONDS))
                .retryOnConnectionFailure(false)
                .followRedirects(false).followSslRedirects(false)
                .connectTimeout(Duration.ofMillis(limitMillis))
                .readTimeout(Duration.ofMillis(limitMillis))
                .writeTimeout(Duration.ofMillis(limitMillis));
        if (spec.httpVersion() == 1) b.protocols(List.of(Protocol.HTTP_1_1));
        if (spec.dnsOverride() != null) {
            b.dns(host -> List.of(InetAddress.getByName(spec.dnsOverride())));
        } else {
            b.dns(Dns.SYSTEM);
        }
        if (spec.sourceIpAddress() != null) b.socketFactory(new BoundSocketFactory(spec.sourceIpAddress()));
        TlsVersion only = switch (spec.sslVersionId()) {
            case 3 -> TlsVersion.SSL_3_0;
            case 4 -> TlsVersion.TLS_1_0;
            case 5 -> TlsVersion.TLS_1_1;
            case 6 -> TlsVersion.TLS_1_2;
            default -> null;
        };
        if (only != null) {
            b.connectionSpecs(List.of(new ConnectionSpec.Builder(ConnectionSpec.MODERN_TLS).tlsVersions(only)
                    .allEnabledCipherSuites().build(), ConnectionSpec.CLEARTEXT));
        }
        if (!spec.verifyCertificate() || spec.clientCertificate() != null) {
            try {
                X509TrustManager trust = spec.verifyCertificate() ? systemTrust() : TRUST_ALL;
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(spec.clientCertificate() == null ? null : keyManagers(spec.clientCertificate()),
                        new TrustManager[]{trust}, null);
                b.sslSocketFactory(tls.getSocketFactory(), trust);
                if (!spec.verifyCertificate()) b.hostnameVerifier((host, session) -> true);
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    private static X509TrustManager systemTrust() throws Exception {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init((KeyStore) null);
        for (TrustManager m : f.getTrustManagers()) if (m instanceof X509TrustManager x) return x;
        throw new IllegalStateException("no X509 trust manager");
    }

    /** verifyCertificate=0: the v6 option to ignore certificate errors. */
    private static final X509TrustManager TRUST_ALL = new X509TrustManager() {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    };

    /** clientCertificate: PEM certificate(s) followed by a PKCS#8 private key. */
    private static javax.net.ssl.KeyManager[] keyManagers(String pem) throws Exception {
        List<Certificate> chain = new ArrayList<>();
        java.security.PrivateKey key = null;
        Matcher m = PEM.matcher(pem);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (m.group(1)) {
                case "CERTIFICATE" -> chain.add(cf.generateCertificate(new ByteArrayInputStream(der)));
                case "PRIVATE KEY" -> {
                    for (String alg : List.of("RSA", "EC", "Ed25519")) {
                        try {
                            key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                            break;
                        } catch (Exception ignored) {
                            // try the next algorithm
                        }
                    }
                }
                default -> throw new IllegalArgumentException("clientCertificate: PEM block " + m.group(1)
                        + " is not supported; give the certificate and a PKCS#8 'PRIVATE KEY'");
            }
        }
        if (chain.isEmpty() || key == null) {
            throw new IllegalArgumentException("clientCertificate must hold a PEM CERTIFICATE and a PKCS#8 PRIVATE KEY");
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf.getKeyManagers();
    }

    private record Body(byte[] bytes) {
        String text(Response response) {
            MediaType type = response.body() == null ? null : response.body().contentType();
            Charset charset = type == null ? StandardCharsets.UTF_8 : type.charset(StandardCharsets.UTF_8);
            return new String(bytes, charset);
        }
    }

    /** Reads the body, stopping after {@code limit} bytes when set (downloadLimit). */
    private static Body read(ResponseBody body, Long limit) throws IOException {
        if (body == null) return new Body(new byte[0]);
        BufferedSource source = body.source();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024];
        long max = limit == null ? Long.MAX_VALUE : limit;
        int n;
        while (out.size() < max && (n = source.read(buf, 0, (int) Math.min(buf.length, max - out.size()))) != -1) {
            out.write(buf, 0, n);
        }
        return new Body(out.toByteArray());
    }

    private static void drain(ResponseBody body, long max) {
        try {
            read(body, max);
        } catch (IOException ignored) {
            // the redirect's own body does not matter
        }
    }

    private static String requestHeaders(PhaseTimer t) {
        Request r = t.sentRequest;
        if (r == null) return null;
        StringBuilder s = new StringBuilder(r.method()).append(' ').append(r.url().encodedPath());
        if (r.url().encodedQuery() != null) s.append('?').append(r.url().encodedQuery());
        s.append(" HTTP/1.1\r\n");
        if (r.header("Host") == null) s.append("Host: ").append(r.url().host()).append("\r\n");
        r.headers().forEach(h -> s.append(h.getFirst()).append(": ").append(h.getSecond()).append("\r\n"));
        return s.toString();
    }

    private static String responseHeaders(Response r) {
        StringBuilder s = new StringBuilder(r.protocol() == Protocol.HTTP_2 ? "HTTP/2" : r.protocol().toString().toUpperCase())
                .append(' ').append(r.code());
        if (!r.message().isEmpty()) s.append(' ').append(r.message());
        s.append("\r\n");
        r.headers().forEach(h -> s.append(h.getFirst()).append(": ").append(h.getSecond()).append("\r\n"));
        return s.toString();
    }

    private static List<HttpRecord.SslCert> certs(PhaseTimer t, Instant now) {
        if (t.handshake == null) return null;
        List<HttpRecord.SslCert> out = new ArrayList<>();
        for (Certificate c : t.peerCertificates) {
            if (!(c instanceof X509Certificate x)) continue;
            List<String> sans = new ArrayList<>();
            try {
                Collection<List<?>> names = x.getSubjectAlternativeNames();
                if (names != null) for (List<?> n : names) if (Integer.valueOf(2).equals(n.get(0))) sans.add(n.get(1).toString());
            } catch (Exception ignored) {
                // no readable SAN extension
            }
            Instant before = x.getNotBefore().toInstant(), after = x.getNotAfter().toInstant();
            long days = Math.max(0, Duration.between(now, after).toDays());
            out.add(new HttpRecord.SslCert(cn(x.getSubjectX500Principal().getName()), sans.isEmpty() ? null : sans,
                    cn(x.getIssuerX500Principal().getName()), DATE.format(before), DATE.format(after), days,
                    !now.isBefore(before) && !now.isAfter(after)));
        }
        return out;
    }

    private static String cn(String dn) {
        for (String part : dn.split(",")) {
            String p = part.strip();
            if (p.startsWith("CN=")) return p.substring(3);
        }
        return dn;
    }

    /** JSSE suite name → the OpenSSL name v6 shows, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256. */
    static String openSslName(String jsse) {
        if (!jsse.startsWith("TLS_") || !jsse.contains("_WITH_")) return jsse; // TLS 1.3 suites keep their names
        String[] parts = jsse.substring(4).split("_WITH_");
        String kx = parts[0].replace('_', '-');
        String cipher = parts[1].replaceAll("AES_(\\d+)", "AES$1")
                .replace("CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305")
                .replace("_CBC_", "_").replace('_', '-');
        return kx.equals("RSA") ? cipher : kx + "-" + cipher;
    }

    /** Binds every socket to the test's sourceIpAddress. */
    private static final class BoundSocketFactory extends SocketFactory {
        private final String source;

        BoundSocketFactory(String source) {
            this.source = source;
        }

        @Override
        public Socket createSocket() throws IOException {
            Socket s = new Socket();
            s.bind(new java.net.InetSocketAddress(InetAddress.getByName(source), 0));
            return s;
        }

        @Override public Socket createSocket(String host, int port) throws IOException { throw new IOException("unconnected sockets only"); }
        @Override public Socket createSocket(String host, int port, InetAddress la, int lp) throws IOException { throw new IOException("unconnected sockets only"); }
        @Override public Socket createSocket(InetAddress host, int port) throws IOException { throw new IOException("unconnected sockets only"); }
        @Override public Socket createSocket(InetAddress a, int p, InetAddress la, int lp) throws IOException { throw new IOException("unconnected sockets only"); }
    }
}
