package dev.vantage.measure.ftp;

import org.apache.commons.net.ftp.FTPCmd;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;

/**
 * Commons Net's FTPS client with the hooks the engine needs: the moment the TCP connection is up (before the banner),
 * the banner's reply, AUTH TLS that may fall back to clear text (useExplicitFtps=0 "auto-detect"), the open data
 * socket (so a deadline can close it), and TLS on the data connection that resumes the control connection's
 * session: vsftpd, the most common FTPS server, refuses data connections that do not ("522 session reuse
 * required", its default), and Commons Net's own data sockets never do.
 */
final class TimedFtpClient extends FTPSClient {
    /** How the control connection gets TLS. */
    enum Tls { IMPLICIT, EXPLICIT_REQUIRED, EXPLICIT_IF_OFFERED }

    private final Tls tls;
    private final Timeline timeline;
    private final SSLContext context;
    private final String host;
    private boolean secured;
    private boolean protectData;
    private volatile Socket dataSocket;

    /**
     * @param context a fresh TLS context per session, so the control handshake is always a full one (a session
     *                cached by an earlier run would shorten negotiationTime) and the data connections can resume it
     * @param host    the host as the test names it: the key under which the TLS session is cached and resumed
     */
    TimedFtpClient(Tls tls, Timeline timeline, SSLContext context, String host) {
        super(tls == Tls.IMPLICIT, context);
        this.tls = tls;
        this.timeline = timeline;
        this.context = context;
        this.host = host;
    }

    @Override
    protected void _connectAction_() throws IOException {
        timeline.connectEnd = System.nanoTime();
        _hostname_ = host; // connect(InetAddress) leaves it null, and JSSE resumes sessions only for a named peer
        // as curl does: without it, the TLS handshake's back-to-back small writes wait on delayed ACKs (~40 ms each)
        _socket_.setTcpNoDelay(true);
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

    /** PROT P: data sockets are made plain here and wrapped in {@link #_openDataConnection_} to resume the session. */
    @Override
    public void execPROT(String prot) throws IOException {
        super.execPROT(prot);
        protectData = "P".equals(prot);
        setSocketFactory(null);
        setServerSocketFactory(null);
    }

    /**
     * The data connection as Commons Net opens it (PASV/PORT, the command, its 150 reply), then the TLS client
     * handshake on it under the control connection's host and port, so JSSE offers the cached session
     * (see {@link ControlPortSocket}).
     */
    @Override
    protected Socket _openDataConnection_(String command, String arg) throws IOException {
        Socket socket = super._openDataConnection_(command, arg);
        dataSocket = socket;
        if (socket == null) return null;
        socket.setTcpNoDelay(true);
        if (!protectData) return socket;
        SSLSocket tlsSocket = (SSLSocket) context.getSocketFactory()
                .createSocket(new ControlPortSocket(socket, getRemotePort()), host, getRemotePort(), true);
        dataSocket = tlsSocket;
        tlsSocket.setUseClientMode(true);
        tlsSocket.startHandshake();
        return tlsSocket;
    }

    /** Sends the transfer command and opens its data connection; null when the server refused the command. */
    Socket openData(FTPCmd command, String arg) throws IOException {
        return _openDataConnection_(command, arg);
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
