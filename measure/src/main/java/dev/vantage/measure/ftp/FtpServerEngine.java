package dev.vantage.measure.ftp;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPCmd;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.util.TrustManagerUtils;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One FTP session with Apache Commons Net: resolve, connect, banner + TLS + login ("negotiation"), then one
 * Download (RETR), List (LIST) or Upload (STOR) over a fresh data connection, timed from System.nanoTime() marks.
 * {@code ftp://} is plain FTP that upgrades with AUTH TLS when the server offers it (required with
 * useExplicitFtps=1), {@code ftps://} is implicit FTPS, {@code sftp://} goes to {@link SftpSession}. The time limit
 * is enforced by closing the connections, so the engine never outlives it. Failures are records naming the step.
 */
public final class FtpServerEngine implements Engine<FtpSpec, FtpRecord> {
    private static final int BUFFER = 64 * 1024;

    @Override
    public FtpRecord run(FtpSpec spec, RunContext ctx) {
        Target target;
        try {
            target = Target.parse(spec.url());
        } catch (IllegalArgumentException e) {
            return FtpRecord.failed("Connect", e.getMessage());
        }
        long limitMillis = Math.max(1, Math.min(spec.timeLimitSeconds() * 1000L, ctx.remainingMillis()));
        long deadline = System.nanoTime() + limitMillis * 1_000_000L;
        if (target.scheme().equals("sftp")) return new SftpSession(spec, target, deadline, ctx.agentName()).run();
        return new Session(spec, target, deadline, ctx.agentName()).run();
    }

    /** The parts of the test URL; the path is relative to the login directory, as in RFC 1738 and curl. */
    record Target(String scheme, String host, int port, String path) {
        static Target parse(String url) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("url is not a valid URL: " + url);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            int defaultPort = switch (scheme) {
                case "ftp" -> 21;
                case "ftps" -> 990;
                case "sftp" -> 22;
                default -> throw new IllegalArgumentException("url must be ftp://, ftps:// or sftp://, got " + url);
            };
            if (uri.getHost() == null) throw new IllegalArgumentException("url has no host: " + url);
            String path = uri.getPath() == null ? "" : uri.getPath();
            if (path.startsWith("/")) path = path.substring(1);
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
            return new Target(scheme, host, uri.getPort() > 0 ? uri.getPort() : defaultPort, path);
        }
    }

    /** Where an Upload stores: the URL's directory, one file per agent, overwritten each round. */
    static String uploadPath(String directory, String agentName) {
        String name = "vantage-upload-" + (agentName == null ? "agent" : agentName.replaceAll("[^A-Za-z0-9._-]", "_")) + ".bin";
        return directory.isEmpty() ? name : directory.endsWith("/") ? directory + name : directory + "/" + name;
    }

    private static final class Session {
        private final FtpSpec spec;
        private final Target target;
        private final long deadline;
        private final String agentName;
        private final Timeline t = new Timeline();
        private volatile boolean timedOut;
        private long bytes;

        Session(FtpSpec spec, Target target, long deadline, String agentName) {
            this.spec = spec;
            this.target = target;
            this.deadline = deadline;
            this.agentName = agentName;
        }

        FtpRecord run() {
            TimedFtpClient.Tls tls = target.scheme().equals("ftps") ? TimedFtpClient.Tls.IMPLICIT
                    : spec.explicitFtps() ? TimedFtpClient.Tls.EXPLICIT_REQUIRED : TimedFtpClient.Tls.EXPLICIT_IF_OFFERED;
            TimedFtpClient ftp;
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                // The ftp-server test has no verifyCertificate option: any certificate is accepted (self-signed
                // ones are the rule on FTP servers); the session is still encrypted.
                context.init(null, new TrustManager[]{TrustManagerUtils.getAcceptAllTrustManager()}, null);
                ftp = new TimedFtpClient(tls, t, context, target.host());
            } catch (GeneralSecurityException e) {
                return FtpRecord.failed("SSL", "cannot set up TLS: " + e.getMessage());
            }
            // The deadline closes the connections; a blocked read then fails at once and the step says where.
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    timedOut = true;
                    ftp.closeNow();
                } catch (InterruptedException done) {
                    // finished in time
                }
            });
            try {
                return measure(ftp);
            } catch (StepFailure e) {
                return t.record(e.code, null, timedOut ? "Timeout" : e.step.name(), e.getMessage());
            } catch (IOException | RuntimeException e) {
                return failure(e, ftp);
            } finally {
                if (ftp.isConnected()) {
                    try {
                        ftp.setSoTimeout(500);
                        ftp.logout(); // an untimed courtesy, still under the watchdog; the session is measured already
                    } catch (IOException | RuntimeException ignored) {
                        // the server may have closed first
                    }
                }
                watchdog.interrupt();
                ftp.closeNow();
            }
        }

        private FtpRecord measure(TimedFtpClient ftp) throws IOException {
            InetAddress address = t.beginWithLookup(target.host());
            if (address == null) return t.record(null, null, "DNS", "could not resolve " + target.host());

            // Socket timeouts a second past the deadline: the watchdog ends the session, these only back it up.
            int left = leftMillis() + 1000;
            ftp.setConnectTimeout(left);
            ftp.setDefaultTimeout(left);
            ftp.setDataTimeout(Duration.ofMillis(left));
            if (spec.sourceIpAddress() != null) {
                InetAddress source = InetAddress.getByName(spec.sourceIpAddress());
                ftp.connect(address, target.port(), source, 0);
                ftp.setActiveExternalIPAddress(spec.sourceIpAddress());
                ftp.setPassiveLocalIPAddress(source);
            } else {
                ftp.connect(address, target.port());
            }
            if (target.scheme().equals("ftps")) ftp.checkBanner(); // explicit mode checked it before AUTH

            t.step = Timeline.Step.Login;
            if (!ftp.login(spec.username(), spec.password())) {
                throw new StepFailure(Timeline.Step.Login, ftp.getReplyCode(),
                        "login as " + spec.username() + " refused: " + ftp.getReplyString().strip());
            }
            if (ftp.secured()) {
                t.step = Timeline.Step.SSL;
                ftp.execPBSZ(0);
                ftp.execPROT("P"); // protect the data connection too
                t.step = Timeline.Step.Login;
            }
            if (!ftp.setFileType(FTP.BINARY_FILE_TYPE)) {
                throw new StepFailure(Timeline.Step.Login, ftp.getReplyCode(), "TYPE I refused: " + ftp.getReplyString().strip());
            }
            if (spec.activeMode()) ftp.enterLocalActiveMode();
            else ftp.enterLocalPassiveMode();
            t.readyEnd = System.nanoTime();

            return switch (spec.requestType()) {
                case "Upload" -> upload(ftp);
                case "List" -> receive(ftp, FTPCmd.LIST, target.path().isEmpty() ? null : target.path(), null);
                default -> receive(ftp, FTPCmd.RETR, target.path(), spec.downloadLimit());
            };
        }

        /** RETR or LIST: wait ends at the first data byte, transfer at the last (or at downloadLimit). */
        private FtpRecord receive(TimedFtpClient ftp, FTPCmd command, String arg, Long limit) throws IOException {
            t.step = Timeline.Step.Command;
            Socket data = ftp.openData(command, arg);
            if (data == null) throw refused(ftp, command, arg);
            t.step = Timeline.Step.Transfer;
            boolean limited;
            try (data; InputStream in = data.getInputStream()) {
                byte[] buf = new byte[BUFFER];
                long max = limit == null ? Long.MAX_VALUE : limit;
                while (bytes < max) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, max - bytes));
                    if (n < 0) break;
                    if (t.firstByte == 0) t.firstByte = System.nanoTime();
                    bytes += n;
                }
                t.lastByte = System.nanoTime();
                if (t.firstByte == 0) t.firstByte = t.lastByte; // an empty file or listing
                limited = bytes >= max;
            } catch (IOException e) {
                return brokenTransfer(ftp, command, e);
            }
            // After a limit the server may answer 426 (transfer aborted): the limit was ours, so not an error.
            boolean complete = ftp.completePendingCommand();
            int code = ftp.getReplyCode();
            if (!complete && !limited) {
                return t.record(code, bytes, "Transfer", command + " did not complete: " + ftp.getReplyString().strip());
            }
            return t.record(code, bytes, "None", null);
        }

        /** STOR of generated bytes: wait ends when the data connection is ready, transfer when the server confirms. */
        private FtpRecord upload(TimedFtpClient ftp) throws IOException {
            t.step = Timeline.Step.Command;
            String path = uploadPath(target.path(), agentName);
            Socket data = ftp.openData(FTPCmd.STOR, path);
            if (data == null) throw refused(ftp, FTPCmd.STOR, path);
            t.firstByte = System.nanoTime();
            t.step = Timeline.Step.Transfer;
            long total = spec.uploadBytes();
            byte[] buf = new byte[BUFFER];
            ThreadLocalRandom.current().nextBytes(buf);
            try (data; OutputStream out = data.getOutputStream()) {
                while (bytes < total) {
                    int n = (int) Math.min(buf.length, total - bytes);
                    out.write(buf, 0, n);
                    bytes += n;
                }
                out.flush();
            } catch (IOException e) {
                return brokenTransfer(ftp, FTPCmd.STOR, e);
            }
            boolean complete = ftp.completePendingCommand();
            t.lastByte = System.nanoTime();
            int code = ftp.getReplyCode();
            if (!complete) return t.record(code, null, "Transfer", "STOR did not complete: " + ftp.getReplyString().strip());
            return t.record(code, bytes, "None", null);
        }

        /**
         * The data connection broke mid-transfer: the server usually says why on the control connection (e.g. 551
         * "error on output file"), so its reply is read, briefly, and reported instead of the bare socket error.
         */
        private FtpRecord brokenTransfer(TimedFtpClient ftp, FTPCmd command, IOException e) throws IOException {
            if (timedOut) throw e;
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            try {
                ftp.setSoTimeout((int) Math.min(1000, leftMillis()));
                if (!ftp.completePendingCommand()) why = ftp.getReplyString().strip();
            } catch (IOException | RuntimeException noReply) {
                // the socket error is all there is
            }
            return t.record(ftp.getReplyCode(), null, "Transfer", command + " did not complete: " + why);
        }

        private StepFailure refused(TimedFtpClient ftp, FTPCmd command, String arg) {
            int code = ftp.getReplyCode();
            // 425: the server could not open the data connection; anything else refused the command itself
            Timeline.Step step = code == FTPReply.CANNOT_OPEN_DATA_CONNECTION ? Timeline.Step.Data : Timeline.Step.Command;
            return new StepFailure(step, code, command + (arg == null ? "" : " " + arg) + " refused: " + ftp.getReplyString().strip());
        }

        private FtpRecord failure(Exception e, TimedFtpClient ftp) {
            Timeline.Step step = t.step;
            if (step == Timeline.Step.Command && !(e instanceof StepFailure)) step = Timeline.Step.Data;
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            boolean timeout = timedOut || timeoutCause(e);
            Integer code = ftp.getReplyCode() > 0 && step != Timeline.Step.Connect ? ftp.getReplyCode() : null;
            if (e instanceof SSLException && step != Timeline.Step.SSL) step = Timeline.Step.SSL;
            if (timeout) {
                String during = "no reply within " + spec.timeLimitSeconds() + " s (" + describe(step) + ")";
                return switch (step) {
                    case DNS, Connect, SSL -> t.record(null, null, step.name(), "timed out: " + during);
                    default -> t.record(code, null, "Timeout", during);
                };
            }
            if (e instanceof SocketException && step == Timeline.Step.Connect) message = "cannot connect to "
                    + target.host() + ":" + target.port() + ": " + message;
            return t.record(code, null, step.name(), message);
        }

        /** Commons Net wraps a banner timeout in a plain IOException ("Timed out waiting for initial connect reply"). */
        private static boolean timeoutCause(Throwable e) {
            for (Throwable c = e; c != null; c = c.getCause()) if (c instanceof InterruptedIOException) return true;
            return false;
        }

        private int leftMillis() {
            return (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
        }

        private static String describe(Timeline.Step step) {
            return switch (step) {
                case DNS -> "resolving the server";
                case Connect -> "connecting";
                case SSL -> "TLS handshake";
                case Login -> "banner and login";
                case Command -> "waiting for the transfer to start";
                case Data -> "opening the data connection";
                case Transfer -> "transferring data";
            };
        }
    }
}
