package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.agent.Agent;
import dev.vantage.agent.AgentSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ftp-server through the whole house: the v6 API creates the test, the built-in agent runs it against Debian's
 * vsftpd (started here on a free loopback port, anonymous read-only), and the records come back from
 * {@code /v6/web/ftp-server/{id}} and {@code /v6/net/metrics/{id}}.
 */
class FtpEndToEndTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int FILE_SIZE = 3 * 1024 * 1024 + 17;

    static Path tmp;
    static Path root;
    static Process vsftpd;
    static Process vsftpdTls;
    static int ftpPort;
    static int ftpsPort;
    static TestServer server;
    static V6Client v6;
    static Agent agent;

    @BeforeAll
    static void start() throws Exception {
        tmp = Files.createTempDirectory("vantage-ftp-e2e");
        root = Files.createDirectory(tmp.resolve("root"));
        byte[] data = new byte[FILE_SIZE];
        new Random(7).nextBytes(data);
        Files.write(root.resolve("file.bin"), data);
        Files.setPosixFilePermissions(root.resolve("file.bin"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(Path.of("/var/run/vsftpd/empty"));
        ftpPort = freePort();
        vsftpd = startVsftpd("plain", ftpPort, List.of());
        // vsftpd with TLS keeps its default require_ssl_reuse=YES: data connections must resume the control session
        Path cert = tmp.resolve("ftps.pem");
        Files.writeString(cert, selfSignedPem());
        ftpsPort = freePort();
        vsftpdTls = startVsftpd("tls", ftpsPort, List.of("ssl_enable=YES", "allow_anon_ssl=YES",
                "force_anon_logins_ssl=YES", "force_anon_data_ssl=YES", "rsa_cert_file=" + cert, "rsa_private_key_file=" + cert));

        server = TestServer.start(tmp.resolve("data"), Duration.ofSeconds(30));
        v6 = server.client();
        agent = new Agent(new AgentSettings(URI.create(server.baseUrl()), server.agentToken(), "ftp-agent", null, null, 2)).start();
        await().atMost(PATIENCE).until(() -> agent.agentId() > 0);
    }

    private static int freePort() throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return free.getLocalPort();
        }
    }

    /** Debian's vsftpd, standalone on a loopback port, anonymous and read-only on {@link #root}. */
    private static Process startVsftpd(String name, int port, List<String> extra) throws Exception {
        Path conf = tmp.resolve("vsftpd-" + name + ".conf");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "listen=YES", "listen_address=127.0.0.1", "listen_port=" + port, "background=NO",
                "anonymous_enable=YES", "no_anon_password=YES", "anon_root=" + root, "local_enable=NO",
                "write_enable=NO", "pasv_enable=YES", "pasv_address=127.0.0.1", "connect_from_port_20=NO",
                "secure_chroot_dir=/var/run/vsftpd/empty", "seccomp_sandbox=NO", "xferlog_enable=NO"));
        lines.addAll(extra);
        Files.writeString(conf, String.join("\n", lines) + "\n");
        Process process = new ProcessBuilder("vsftpd", conf.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("vsftpd-" + name + ".log").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> banner(port));
        return process;
    }

    /** A self-signed RSA certificate and its key in one PEM file, as vsftpd reads them. */
    private static String selfSignedPem() throws Exception {
        var gen = java.security.KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        var keys = gen.generateKeyPair();
        var name = new org.bouncycastle.asn1.x500.X500Name("CN=vantage-ftps-e2e.local");
        var now = java.time.Instant.now();
        var cert = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name,
                java.math.BigInteger.valueOf(now.toEpochMilli()), java.util.Date.from(now.minus(Duration.ofDays(1))),
                java.util.Date.from(now.plus(Duration.ofDays(30))), name, keys.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
        var text = new java.io.StringWriter();
        try (var pem = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(text)) {
            pem.writeObject(cert);
            pem.writeObject(keys.getPrivate());
        }
        return text.toString();
    }

    /** vsftpd is up when it greets with 220. */
    private static boolean banner(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return line != null && line.startsWith("220");
        } catch (Exception notYet) {
            return false;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) agent.close();
        if (v6 != null) v6.close();
        if (server != null) server.close();
        for (Process p : new Process[]{vsftpd, vsftpdTls}) {
            if (p == null) continue;
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor();
        }
        if (tmp != null) {
            try (Stream<Path> walk = Files.walk(tmp)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int create(String body) {
        V6Client.Reply created = v6.post("/v6/instant/ftp-server", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("test").path(0).path("testId").asInt();
    }

    private static List<JsonNode> records(String path) {
        V6Client.Reply reply = v6.get(path);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode layer = reply.json().path(path.contains("/net/") ? "net" : "web");
        JsonNode list = layer.path(path.contains("/net/") ? "metrics" : "ftpServer");
        return StreamSupport.stream(list.spliterator(), false).toList();
    }

    private String body(String path, String requestType, int network) {
        return "{\"agents\":[{\"agentId\":" + agent.agentId() + "}],\"url\":\"ftp://127.0.0.1:" + ftpPort + "/" + path
                + "\",\"requestType\":\"" + requestType + "\",\"username\":\"anonymous\",\"password\":\"e2e@\","
                + "\"networkMeasurements\":" + network + "}";
    }

    @Test
    void anInstantDownloadIsMeasuredByTheAgentAndServedInTheV6Shape() {
        V6Client.Reply created = v6.post("/v6/instant/ftp-server", body("file.bin", "Download", 1));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode test = created.json().path("test").path(0);
        int testId = test.path("testId").asInt();
        assertThat(test.path("type").asText()).isEqualTo("ftp-server");
        assertThat(test.path("username").asText()).isEqualTo("anonymous");
        assertThat(test.has("password")).isFalse();
        assertThat(test.path("apiLinks").toString()).contains("/v6/web/ftp-server/" + testId, "/v6/net/metrics/" + testId);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(records("/v6/web/ftp-server/" + testId)).hasSize(1));
        JsonNode r = records("/v6/web/ftp-server/" + testId).getFirst();
        assertThat(r.path("agentId").asInt()).isEqualTo(agent.agentId());
        assertThat(r.path("agentName").asText()).isEqualTo("ftp-agent");
        assertThat(r.path("roundId").asLong()).isPositive();
        assertThat(r.path("date").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        assertThat(r.path("serverIp").asText()).isEqualTo("127.0.0.1");
        assertThat(r.path("errorType").asText()).isEqualTo("None");
        assertThat(r.path("responseCode").asInt()).isEqualTo(226);
        assertThat(r.path("wireSize").asLong()).isEqualTo(FILE_SIZE);
        for (String phase : List.of("dnsTime", "connectTime", "negotiationTime", "waitTime", "responseTime",
                "transferTime", "totalTime", "throughput")) {
            assertThat(r.path(phase).isNumber()).as(phase + " in " + r).isTrue();
        }
        assertThat(r.path("totalTime").asDouble())
                .isCloseTo(r.path("responseTime").asDouble() + r.path("transferTime").asDouble(), org.assertj.core.api.Assertions.within(0.0011));

        V6Client.Reply xml = v6.get("/v6/web/ftp-server/" + testId + ".xml");
        assertThat(xml.status()).isEqualTo(200);
        assertThat(xml.body()).contains("<ftpServer>", "<wireSize>" + FILE_SIZE + "</wireSize>", "<responseCode>226</responseCode>");

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(records("/v6/net/metrics/" + testId)).hasSize(1));
        JsonNode net = records("/v6/net/metrics/" + testId).getFirst();
        assertThat(net.path("server").asText()).isEqualTo("127.0.0.1:" + ftpPort);
        assertThat(net.path("loss").asDouble()).isZero();
    }

    @Test
    void explicitFtpsAgainstVsftpdResumesTheTlsSessionOnTheDataConnection() {
        String url = "ftp://127.0.0.1:" + ftpsPort + "/";
        int download = create(body("file.bin", "Download", 0).replace("ftp://127.0.0.1:" + ftpPort + "/", url)
                .replace("\"networkMeasurements\"", "\"useExplicitFtps\":1,\"networkMeasurements\""));
        int activeList = create(body("", "List", 0).replace("ftp://127.0.0.1:" + ftpPort + "/", url)
                .replace("\"networkMeasurements\"", "\"useActiveFtp\":1,\"networkMeasurements\""));
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(records("/v6/web/ftp-server/" + download)).hasSize(1);
            assertThat(records("/v6/web/ftp-server/" + activeList)).hasSize(1);
        });
        JsonNode r = records("/v6/web/ftp-server/" + download).getFirst();
        assertThat(r.path("errorType").asText()).as(r.toString()).isEqualTo("None");
        assertThat(r.path("responseCode").asInt()).isEqualTo(226);
        assertThat(r.path("wireSize").asLong()).isEqualTo(FILE_SIZE);
        // auto-detect (useExplicitFtps=0) found TLS on its own; this server refuses clear-text logins
        JsonNode list = records("/v6/web/ftp-server/" + activeList).getFirst();
        assertThat(list.path("errorType").asText()).as(list.toString()).isEqualTo("None");
        assertThat(list.path("wireSize").asLong()).isPositive();
    }

    @Test
    void listAndAMissingFileComeBackAsRecordsToo() {
        int list = create(body("", "List", 0));
        int missing = create(body("no-such.bin", "Download", 0));
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(records("/v6/web/ftp-server/" + list)).hasSize(1);
            assertThat(records("/v6/web/ftp-server/" + missing)).hasSize(1);
        });
        JsonNode listed = records("/v6/web/ftp-server/" + list).getFirst();
        assertThat(listed.path("errorType").asText()).isEqualTo("None");
        assertThat(listed.path("responseCode").asInt()).isEqualTo(226);
        assertThat(listed.path("wireSize").asLong()).isGreaterThan("file.bin".length());

        JsonNode failed = records("/v6/web/ftp-server/" + missing).getFirst();
        assertThat(failed.path("errorType").asText()).isEqualTo("Command");
        assertThat(failed.path("responseCode").asInt()).isEqualTo(550);
        assertThat(failed.path("errorDetails").asText()).contains("RETR no-such.bin");
        assertThat(failed.has("wireSize")).isFalse();
        assertThat(failed.path("negotiationTime").isNumber()).isTrue();
        V6Client.Reply net = v6.get("/v6/net/metrics/" + missing);
        assertThat(net.status()).isIn(200, 400, 404); // no network layer was asked for
        assertThat(net.body()).doesNotContain("\"metrics\"");
    }

    @Test
    void measureFtpServerPrintsTheRecord() throws Exception {
        MainTest.Run run = MainTest.run("measure", "ftp-server", "--url", "ftp://127.0.0.1:" + ftpPort + "/file.bin");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("web/ftp-server", "responseCode     226", "wireSize         " + FILE_SIZE + " bytes",
                "negotiationTime", "transferTime", "throughput", "errorType        None");

        MainTest.Run json = MainTest.run("measure", "ftp-server", "--url", "ftp://127.0.0.1:" + ftpPort + "/",
                "--request-type", "List", "--json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode record = dev.vantage.model.Json.MAPPER.readTree(json.out()).path("web/ftp-server").path(0);
        assertThat(record.path("responseCode").asInt()).isEqualTo(226);
        assertThat(record.path("wireSize").asLong()).isPositive();

        MainTest.Run missing = MainTest.run("measure", "ftp-server", "--url", "ftp://127.0.0.1:" + ftpPort + "/nope.bin");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.out()).contains("Command", "550");

        MainTest.Run help = MainTest.run("measure", "ftp-server", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("Usage: vantage measure ftp-server", "--request-type", "--explicit-ftps", "--active");

        MainTest.Run bad = MainTest.run("measure", "ftp-server", "--url", "http://127.0.0.1/");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("url must be an absolute ftp://");
    }

    @Test
    void badFtpFieldsGetA400NamingTheField() {
        String ok = body("file.bin", "Download", 0);
        String[][] cases = {
                {ok.replace(",\"requestType\":\"Download\"", ""), "requestType is required"},
                {ok.replace("Download", "Fetch"), "requestType must be one of Download, Upload, List"},
                {ok.replace("ftp://", "http://"), "url must be an absolute ftp:// or ftps:// or sftp:// URL"},
                {ok.replace("ftp://", "ftp://u:p@"), "url must not carry credentials"},
                {ok.replace(",\"password\":\"e2e@\"", ""), "password is required"},
                {ok.substring(0, ok.length() - 1) + ",\"ftpTimeLimit\":61}", "ftpTimeLimit must be an integer between 10 and 60"},
                {ok.replace("ftp://", "sftp://").replace("\"networkMeasurements\"", "\"useActiveFtp\":1,\"networkMeasurements\""),
                        "useActiveFtp=1 does not apply to sftp://"},
        };
        for (String[] c : cases) {
            V6Client.Reply reply = v6.post("/v6/instant/ftp-server", c[0]);
            assertThat(reply.status()).as(c[0] + " -> " + reply.body()).isEqualTo(400);
            assertThat(reply.json().path("errorMessage").asText()).as(c[0]).contains(c[1]);
        }
    }
}
