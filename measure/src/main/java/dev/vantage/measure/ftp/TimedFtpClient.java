package dev.vantage.measure.ftp;

import org.apache.commons.net.ftp.FTPCmd;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.Socket;

/**
 * Commons Net's FTPS client with the hooks the engine needs: the moment the TCP connection is up (before the banner),
 * the banner's reply, AUTH TLS that may fall back to clear text (useExplicitFtps=0 "auto-detect"), and the open
 * data socket, so a deadline can close it.
 */
final class TimedFtpClient extends FTPSClient {
    /** How the control connection gets TLS. */
    enum Tls { IMPLICIT, EXPLICIT_REQUIRED, EXPLICIT_IF_OFFERED }

    private final Tls tls;
    private final Timeline timeline;
    private boolean secured;
    private volatile Socket dataSocket;

    TimedFtpClient(Tls tls, Timeline timeline) {
        super(tls == Tls.IMPLICIT);
        this.tls = tls;
        this.timeline = timeline;
    }

    @Override
    protected void _connectAction_() throws IOException {
        timeline.connectEnd = System.nanoTime();
        timeline.step = tls == Tls.IMPLICIT ? Timeline.Step.SSL : Timeline.Step.Login;
        super._connectAction_();
    }

    @Override
    protected void sslNegotiation() throws IOException {
        if (tls != Tls.IMPLICIT && !secured) return; // the server did not take AUTH TLS; carry on in clear
        timeline.step = Timeline.Step.SSL;
        super.sslNegotiation();
        secured = true;
        timeline.step = Timeline.Step.Login;
    }

    /** Called right after the banner in explicit mode: checks the banner, then asks for TLS. */
    @Override
    protected void execAUTH() throws IOException {
        checkBanner();
        timeline.step = Timeline.Step.SSL;
        int code = sendCommand("AUTH", "TLS");
        if (code == FTPReply.SECURITY_DATA_EXCHANGE_COMPLETE) {
            secured = true;
        } else if (tls == Tls.EXPLICIT_REQUIRED) {
            throw new SSLException("the server refused AUTH TLS: " + getReplyString().strip());
        }
    }

    /** A banner other than 220 (e.g. 421 too many users) ends the session at the login step. */
    void checkBanner() throws IOException {
        if (!FTPReply.isPositiveCompletion(getReplyCode())) {
            throw new StepFailure(Timeline.Step.Login, getReplyCode(), "the server refused the session: " + getReplyString().strip());
        }
    }

    boolean secured() {
        return secured;
    }

    /** Sends the transfer command and opens its data connection; null when the server refused the command. */
    Socket openData(FTPCmd command, String arg) throws IOException {
        Socket socket = _openDataConnection_(command, arg);
        dataSocket = socket;
        return socket;
    }

    /** Closes both connections at once (what the deadline does), without ABOR. */
    void closeNow() {
        Socket data = dataSocket;
        try {
            if (data != null) data.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            disconnect();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
