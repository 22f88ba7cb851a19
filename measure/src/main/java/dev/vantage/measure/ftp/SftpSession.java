package dev.vantage.measure.ftp;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sftp:// form of the ftp-server test, with Apache MINA SSHD's client: TCP connect, then SSH key exchange,
 * password authentication and the SFTP subsystem ("negotiation"), then one read, directory listing or write.
 * A List's wireSize counts the names the server listed, one CRLF-terminated line each (as FTP's NLST would send;
 * SFTP v4+ servers send no {@code ls -l} lines). The agent has no known_hosts,
 * so any host key is accepted (the session is still encrypted). {@code responseCode} is the SFTP status
 * (0 = SSH_FX_OK, 2 = no such file, 3 = permission denied, ...).
 */
final class SftpSession {
    private static final int BUFFER = 64 * 1024;

    private final FtpSpec spec;
    private final FtpServerEngine.Target target;
    private final long deadline;
    private final String agentName;
    private final Timeline t = new Timeline();
    private volatile boolean timedOut;
    private long bytes;

    SftpSession(FtpSpec spec, FtpServerEngine.Target target, long deadline, String agentName) {
        this.spec = spec;
        this.target = target;
        this.deadline = deadline;
        this.agentName = agentName;
    }

    FtpRecord run() {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, address, key) -> true); // AcceptAll's would log a warning every run
        client.start();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                timedOut = true;
                client.stop();
            } catch (InterruptedException done) {
                // finished in time
            }
        });
        try {
            return measure(client);
        } catch (SftpException e) {
            return t.record(e.getStatus(), null, timedOut ? "Timeout" : "Command", e.getMessage());
        } catch (IOException | RuntimeException e) {
            return failure(e);
        } finally {
            watchdog.interrupt();
            client.stop();
        }
    }

    private FtpRecord measure(SshClient client) throws IOException {
        InetAddress address = t.beginWithLookup(target.host());
        if (address == null) return t.record(null, null, "DNS", "could not resolve " + target.host());
        InetSocketAddress local = spec.sourceIpAddress() == null ? null
                : new InetSocketAddress(InetAddress.getByName(spec.sourceIpAddress()), 0);
        try (ClientSession session = client.connect(spec.username(), new InetSocketAddress(address, target.port()), local)
                .verify(left()).getSession()) {
            t.connectEnd = System.nanoTime();
            t.step = Timeline.Step.Login;
            session.addPasswordIdentity(spec.password());
            session.auth().verify(left());
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session)) {
                t.readyEnd = System.nanoTime();
                t.step = Timeline.Step.Command;
                return switch (spec.requestType()) {
                    case "Upload" -> upload(sftp);
                    case "List" -> list(sftp);
                    default -> download(sftp);
                };
            }
        }
    }

    private FtpRecord download(SftpClient sftp) throws IOException {
        long max = spec.downloadLimit() == null ? Long.MAX_VALUE : spec.downloadLimit();
        try (InputStream in = sftp.read(target.path())) {
            t.step = Timeline.Step.Transfer;
            byte[] buf = new byte[BUFFER];
            while (bytes < max) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, max - bytes));
                if (n < 0) break;
                if (t.firstByte == 0) t.firstByte = System.nanoTime();
                bytes += n;
            }
            t.lastByte = System.nanoTime();
            if (t.firstByte == 0) t.firstByte = t.lastByte;
        }
        return t.record(SftpConstants.SSH_FX_OK, bytes, "None", null);
    }

    private FtpRecord list(SftpClient sftp) throws IOException {
        String dir = target.path().isEmpty() ? "." : target.path();
        for (SftpClient.DirEntry entry : sftp.readDir(dir)) {
            if (t.firstByte == 0) {
                t.firstByte = System.nanoTime();
                t.step = Timeline.Step.Transfer;
            }
            bytes += entry.getFilename().getBytes(StandardCharsets.UTF_8).length + 2; // a name and its CRLF, as NLST
        }
        t.lastByte = System.nanoTime();
        if (t.firstByte == 0) t.firstByte = t.lastByte;
        return t.record(SftpConstants.SSH_FX_OK, bytes, "None", null);
    }

    private FtpRecord upload(SftpClient sftp) throws IOException {
        String path = FtpServerEngine.uploadPath(target.path(), agentName);
        long total = spec.uploadBytes();
        byte[] buf = new byte[BUFFER];
        ThreadLocalRandom.current().nextBytes(buf);
        try (OutputStream out = sftp.write(path)) {
            t.firstByte = System.nanoTime();
            t.step = Timeline.Step.Transfer;
            while (bytes < total) {
                int n = (int) Math.min(buf.length, total - bytes);
                out.write(buf, 0, n);
                bytes += n;
            }
        } // close waits for the server's status of the last write and of the close
        t.lastByte = System.nanoTime();
        return t.record(SftpConstants.SSH_FX_OK, bytes, "None", null);
    }

    private FtpRecord failure(Exception e) {
        Timeline.Step step = t.step;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (step == Timeline.Step.Login && e instanceof SshException && message.contains("authentication")) {
            message = "login as " + spec.username() + " refused: " + message;
        }
        if (timedOut || message.contains("timeout") || message.contains("timed out")) {
            String during = "no reply within " + spec.timeLimitSeconds() + " s (" + step + ")";
            return step == Timeline.Step.Connect ? t.record(null, null, "Connect", "timed out: " + during)
                    : t.record(null, null, "Timeout", during);
        }
        return t.record(null, null, step.name(), message);
    }

    private Duration left() {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }
}
