package dev.vantage.measure.ftp;

import dev.vantage.measure.RunContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.vantage.measure.ftp.LocalFtpServer.EMPTY;
import static dev.vantage.measure.ftp.LocalFtpServer.FILE;
import static dev.vantage.measure.ftp.LocalFtpServer.FILE_SIZE;
import static dev.vantage.measure.ftp.LocalFtpServer.PASSWORD;
import static dev.vantage.measure.ftp.LocalFtpServer.UPLOADS;
import static dev.vantage.measure.ftp.LocalFtpServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The ftp-server engine against real FTP, FTPS and SFTP servers on loopback (Apache MINA FtpServer and SSHD). */
class FtpServerEngineTest {
    static LocalFtpServer server;
    final FtpServerEngine engine = new FtpServerEngine();

    @BeforeAll
    static void start() throws Exception {
        server = new LocalFtpServer();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    @BeforeEach
    void clear() {
        server.clearCommands();
    }

    static FtpSpec spec(String url, String type) {
        return new FtpSpec(url, type, USER, PASSWORD, null, 10, 1000, false, false, null);
    }

    static FtpSpec with(FtpSpec s, Long limit, int timeLimit, boolean active, boolean explicit, String password) {
        return new FtpSpec(s.url(), s.requestType(), s.username(), password, limit, timeLimit, s.targetTimeMillis(),
                active, explicit, s.sourceIpAddress());
    }

    FtpRecord run(FtpSpec spec) {
        return engine.run(spec, RunContext.withTimeoutMillis(30_000, "test agent"));
    }

    /** Every phase was measured, they add up, and throughput is the bytes over the transfer time. */
    static void assertConsistent(FtpRecord r, long bytes) {
        assertThat(r.errorType()).as(r.errorDetails()).isEqualTo("None");
        assertThat(r.errorDetails()).isNull();
        assertThat(r.serverIp()).isEqualTo("127.0.0.1");
        assertThat(r.wireSize()).isEqualTo(bytes);
        assertThat(r.dnsTime()).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(r.connectTime()).isNotNull().isGreaterThan(0.0);
        assertThat(r.negotiationTime()).isNotNull().isGreaterThan(0.0);
        assertThat(r.waitTime()).isNotNull().isGreaterThan(0.0);
        assertThat(r.transferTime()).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(r.responseTime()).isCloseTo(r.dnsTime() + r.connectTime() + r.negotiationTime() + r.waitTime(), within(0.0011));
        assertThat(r.totalTime()).isCloseTo(r.responseTime() + r.transferTime(), within(0.0011));
        if (bytes > 0 && r.transferTime() > 0) {
            double expected = bytes / (r.transferTime() / 1000.0);
            assertThat((double) r.throughput()).isCloseTo(expected, within(expected * 0.01 + 1));
        }
    }

    @Test
    void passiveDownloadMovesTheWholeFile() {
        FtpRecord r = run(spec(server.url("ftp", server.plainPort, FILE), "Download"));
        assertConsistent(r, FILE_SIZE);
        assertThat(r.responseCode()).isEqualTo(226);
        assertThat(server.commands).contains("USER", "PASS", "TYPE", "PASV", "RETR").doesNotContain("PORT", "EPRT");
        // auto-detect asked for TLS; this listener has none, so the session went on in clear
        assertThat(server.commands).contains("AUTH").doesNotContain("PROT");
    }

    @Test
    void activeDownloadHasTheServerConnectBack() {
        FtpRecord r = run(with(spec(server.url("ftp", server.plainPort, FILE), "Download"), null, 10, true, false, PASSWORD));
        assertConsistent(r, FILE_SIZE);
        assertThat(r.responseCode()).isEqualTo(226);
        assertThat(server.commands).containsAnyOf("PORT", "EPRT").doesNotContain("PASV", "EPSV");
    }

    @Test
    void sourceIpAddressIsTheClientAddressTheServerSees() {
        FtpSpec s = spec(server.url("ftp", server.plainPort, FILE), "Download");
        FtpRecord r = run(new FtpSpec(s.url(), s.requestType(), s.username(), s.password(), null, 10, 1000, false, false,
                "127.0.0.2"));
        assertConsistent(r, FILE_SIZE);
        assertThat(server.clientAddresses).isNotEmpty().allSatisfy((id, address) -> assertThat(address).isEqualTo("127.0.0.2"));
    }

    @Test
    void explicitFtpsSecuresControlAndData() {
        FtpRecord r = run(with(spec(server.url("ftp", server.explicitPort, FILE), "Download"), null, 10, false, true, PASSWORD));
        assertConsistent(r, FILE_SIZE);
        assertThat(r.responseCode()).isEqualTo(226);
        assertThat(server.commands).containsSubsequence("AUTH", "USER", "PASS", "PBSZ", "PROT", "RETR");
        assertThat(server.secureSessions).containsValue(true).doesNotContainValue(false);
    }

    @Test
    void autoDetectUpgradesWhenTheServerOffersTls() {
        FtpRecord r = run(spec(server.url("ftp", server.explicitPort, FILE), "Download"));
        assertConsistent(r, FILE_SIZE);
        assertThat(server.commands).contains("AUTH", "PROT");
        assertThat(server.secureSessions).doesNotContainValue(false);
    }

    @Test
    void explicitFtpsActiveMode() {
        FtpRecord r = run(with(spec(server.url("ftp", server.explicitPort, FILE), "Download"), null, 10, true, true, PASSWORD));
        assertConsistent(r, FILE_SIZE);
        assertThat(server.commands).contains("PROT").containsAnyOf("PORT", "EPRT");
    }

    @Test
    void requiredExplicitFtpsFailsAtTheSslStepWhenTheServerHasNoTls() {
        FtpRecord r = run(with(spec(server.url("ftp", server.plainPort, FILE), "Download"), null, 10, false, true, PASSWORD));
        assertThat(r.errorType()).isEqualTo("SSL");
        assertThat(r.errorDetails()).contains("AUTH TLS");
        assertThat(r.connectTime()).isNotNull();
        assertThat(r.negotiationTime()).isNull();
        assertThat(r.wireSize()).isNull();
        assertThat(server.commands).doesNotContain("USER", "PASS");
    }

    @Test
    void implicitFtpsUrl() {
        FtpRecord r = run(spec(server.url("ftps", server.implicitPort, FILE), "Download"));
        assertConsistent(r, FILE_SIZE);
        assertThat(r.responseCode()).isEqualTo(226);
        assertThat(server.commands).doesNotContain("AUTH").contains("PROT");
        assertThat(server.secureSessions).doesNotContainValue(false);
    }

    @Test
    void listReturnsTheDirectoryListing() {
        FtpRecord r = run(spec(server.url("ftp", server.plainPort, ""), "List"));
        assertConsistent(r, r.wireSize());
        // one line per entry of the home directory: data.bin, empty, incoming
        assertThat(r.wireSize()).isGreaterThan(3 * 20L);
        assertThat(r.responseCode()).isEqualTo(226);
        assertThat(server.commands).contains("LIST");

        FtpRecord empty = run(spec(server.url("ftp", server.plainPort, EMPTY), "List"));
        assertThat(empty.errorType()).isEqualTo("None");
        assertThat(empty.wireSize()).isZero();
        assertThat(empty.throughput()).isNull();
    }

    @Test
    void uploadLandsOnDiskWithItsSize() throws Exception {
        Path landed = server.home.resolve(UPLOADS).resolve("vantage-upload-test_agent.bin");
        Files.deleteIfExists(landed);
        FtpRecord r = run(with(spec(server.url("ftp", server.plainPort, UPLOADS), "Upload"), 300_000L, 10, false, false, PASSWORD));
        assertConsistent(r, 300_000);
        assertThat(r.responseCode()).isEqualTo(226);
        assertThat(Files.size(landed)).isEqualTo(300_000);
        assertThat(server.commands).contains("STOR");

        FtpRecord again = run(spec(server.url("ftp", server.explicitPort, UPLOADS + "/"), "Upload"));
        assertConsistent(again, FtpSpec.DEFAULT_UPLOAD_BYTES);
        assertThat(Files.size(landed)).isEqualTo(FtpSpec.DEFAULT_UPLOAD_BYTES); // the agent's file, overwritten
    }

    @Test
    void downloadLimitStopsEarly() {
        FtpRecord r = run(with(spec(server.url("ftp", server.plainPort, FILE), "Download"), 100_000L, 10, false, false, PASSWORD));
        assertConsistent(r, 100_000);
        assertThat(r.responseCode()).isNotNull();
    }

    @Test
    void wrongPasswordFailsAtTheLoginStep() {
        FtpRecord r = run(with(spec(server.url("ftp", server.plainPort, FILE), "Download"), null, 10, false, false, "wrong"));
        assertThat(r.errorType()).isEqualTo("Login");
        assertThat(r.responseCode()).isEqualTo(530);
        assertThat(r.errorDetails()).contains("login as vantage refused").contains("530");
        assertThat(r.connectTime()).isNotNull();
        assertThat(r.negotiationTime()).isNull();
        assertThat(r.waitTime()).isNull();
        assertThat(r.wireSize()).isNull();
        assertThat(r.throughput()).isNull();
    }

    @Test
    void missingFileFailsAtTheCommandStep() {
        FtpRecord r = run(spec(server.url("ftp", server.plainPort, "no-such-file.bin"), "Download"));
        assertThat(r.errorType()).isEqualTo("Command");
        assertThat(r.responseCode()).isEqualTo(550);
        assertThat(r.errorDetails()).contains("RETR no-such-file.bin refused").contains("550");
        assertThat(r.negotiationTime()).isNotNull();
        assertThat(r.waitTime()).isNull();
        assertThat(r.wireSize()).isNull();
    }

    @Test
    void refusedConnectionFailsAtTheConnectStep() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        FtpRecord r = run(spec("ftp://127.0.0.1:" + port + "/" + FILE, "Download"));
        assertThat(r.errorType()).isEqualTo("Connect");
        assertThat(r.dnsTime()).isNotNull();
        assertThat(r.connectTime()).isNull();
        assertThat(r.responseCode()).isNull();
    }

    @Test
    void timeLimitEndsASessionThatNeverGetsABanner() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (Socket s = silent.accept()) {
                    Thread.sleep(10_000);
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            long t0 = System.nanoTime();
            FtpRecord r = run(with(spec("ftp://127.0.0.1:" + silent.getLocalPort() + "/" + FILE, "Download"),
                    null, 1, false, false, PASSWORD));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            acceptor.interrupt();
            assertThat(r.errorType()).as(r.errorDetails()).isEqualTo("Timeout");
            assertThat(r.errorDetails()).contains("1 s").contains("banner and login");
            assertThat(r.connectTime()).isNotNull();
            assertThat(r.negotiationTime()).isNull();
            assertThat(elapsedMs).isBetween(900L, 3_000L);
        }
    }

    @Test
    void runContextDeadlineWinsOverALongerTimeLimit() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (Socket s = silent.accept()) {
                    Thread.sleep(10_000);
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            long t0 = System.nanoTime();
            FtpRecord r = engine.run(spec("ftp://127.0.0.1:" + silent.getLocalPort() + "/" + FILE, "Download"),
                    RunContext.withTimeoutMillis(700, "test agent"));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            acceptor.interrupt();
            assertThat(r.errorType()).as(r.errorDetails()).isEqualTo("Timeout");
            assertThat(elapsedMs).isLessThan(2_500L);
        }
    }

    @Test
    void sftpDownloadListAndUpload() throws Exception {
        FtpRecord down = run(spec(server.url("sftp", server.sftpPort, FILE), "Download"));
        assertConsistent(down, FILE_SIZE);
        assertThat(down.responseCode()).isZero();

        FtpRecord limited = run(with(spec(server.url("sftp", server.sftpPort, FILE), "Download"), 50_000L, 10, false, false, PASSWORD));
        assertConsistent(limited, 50_000);

        FtpRecord list = run(spec(server.url("sftp", server.sftpPort, ""), "List"));
        assertThat(list.errorType()).as(list.errorDetails()).isEqualTo("None");
        assertConsistent(list, list.wireSize());
        long names = 0; // one "name\r\n" line per entry of the home directory, plus "." and ".." if the server lists them
        try (var entries = Files.list(server.home)) {
            for (Path p : entries.toList()) names += p.getFileName().toString().length() + 2;
        }
        assertThat(list.wireSize()).isBetween(names, names + 3 + 4);

        Path landed = server.home.resolve(UPLOADS).resolve("vantage-upload-test_agent.bin");
        Files.deleteIfExists(landed);
        FtpRecord up = run(with(spec(server.url("sftp", server.sftpPort, UPLOADS), "Upload"), 200_000L, 10, false, false, PASSWORD));
        assertConsistent(up, 200_000);
        assertThat(Files.size(landed)).isEqualTo(200_000);
    }

    @Test
    void uploadIntoAMissingDirectoryFailsWhenTheServerSaysSo() {
        // MINA FtpServer answers 150 and only fails once it tries to write the file: a Transfer failure with its code
        FtpRecord r = run(spec(server.url("ftp", server.plainPort, "no-such-dir"), "Upload"));
        assertThat(r.errorType()).as(r.errorDetails()).isEqualTo("Transfer");
        assertThat(r.responseCode()).isBetween(500, 599);
        assertThat(r.errorDetails()).startsWith("STOR did not complete: " + r.responseCode());
        assertThat(r.wireSize()).isNull();
        assertThat(r.throughput()).isNull();
        assertThat(r.waitTime()).isNotNull();
    }

    @Test
    void sftpTimeLimitEndsASessionThatNeverGetsAnSshBanner() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (Socket s = silent.accept()) {
                    Thread.sleep(10_000);
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            long t0 = System.nanoTime();
            FtpRecord r = run(with(spec("sftp://127.0.0.1:" + silent.getLocalPort() + "/" + FILE, "Download"),
                    null, 1, false, false, PASSWORD));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            acceptor.interrupt();
            assertThat(r.errorType()).as(r.errorDetails()).isEqualTo("Timeout");
            assertThat(r.connectTime()).isNotNull();
            assertThat(r.negotiationTime()).isNull();
            assertThat(elapsedMs).isBetween(900L, 3_000L);
        }
    }

    @Test
    void sftpFailuresNameTheirStep() {
        FtpRecord login = run(with(spec(server.url("sftp", server.sftpPort, FILE), "Download"), null, 10, false, false, "wrong"));
        assertThat(login.errorType()).isEqualTo("Login");
        assertThat(login.connectTime()).isNotNull();
        assertThat(login.negotiationTime()).isNull();

        FtpRecord missing = run(spec(server.url("sftp", server.sftpPort, "no-such-file.bin"), "Download"));
        assertThat(missing.errorType()).isEqualTo("Command");
        assertThat(missing.responseCode()).isEqualTo(2); // SSH_FX_NO_SUCH_FILE
        assertThat(missing.negotiationTime()).isNotNull();
        assertThat(missing.wireSize()).isNull();
    }
}
