package dev.vantage.measure.sip;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One connection (or UDP socket) to the SIP server for the length of a probe. {@link #receive} returns the next
 * whole response or null when the deadline passes; a stream transport frames messages by their
 * {@code Content-Length} (RFC 3261 §18.3), a datagram is one message.
 */
sealed interface SipTransport extends Closeable {

    /** The transport token for Via and the {@code transport=} URI parameter: UDP, TCP or TLS. */
    String name();

    /** Whether the transport is reliable (no retransmissions: RFC 3261 §17.1.2.2, Timer E only on UDP). */
    boolean reliable();

    InetSocketAddress local();

    void send(byte[] message) throws IOException;

    /** The next response, or null at {@code deadlineNanos}. Garbage from the peer throws {@link SipProtocolException}. */
    SipResponse receive(long deadlineNanos) throws IOException;

    static long millisUntil(long deadlineNanos) {
        return Math.max(0, (deadlineNanos - System.nanoTime() + 999_999) / 1_000_000L);
    }

    /** A connected UDP socket: only the target's datagrams reach it. */
    final class Udp implements SipTransport {
        private final DatagramSocket socket;
        private final byte[] buffer = new byte[65_535];

        Udp(InetSocketAddress target, InetAddress source) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(source, 0));
            socket.connect(target);
        }

        @Override public String name() { return "UDP"; }
        @Override public boolean reliable() { return false; }
        @Override public InetSocketAddress local() { return new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort()); }

        @Override
        public void send(byte[] message) throws IOException {
            socket.send(new DatagramPacket(message, message.length));
        }

        @Override
        public SipResponse receive(long deadlineNanos) throws IOException {
            while (true) {
                long wait = millisUntil(deadlineNanos);
                if (wait <= 0) return null;
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, wait));
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                byte[] message = Arrays.copyOfRange(buffer, packet.getOffset(), packet.getOffset() + packet.getLength());
                if (isKeepAlive(message)) continue; // RFC 5626 CRLF keep-alives carry no message
                return SipResponse.parse(message);
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** TCP, or TLS over it: a byte stream framed by Content-Length. */
    final class Stream implements SipTransport {
        private static final Pattern CONTENT_LENGTH =
                Pattern.compile("(?im)^(?:content-length|l)[ \\t]*:[ \\t]*(\\d+)[ \\t]*\\r?$");
        private static final int MAX_MESSAGE = 1 << 20;
        private final Socket socket;
        private final boolean tls;
        private final InputStream in;
        private final OutputStream out;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final byte[] chunk = new byte[16 * 1024];
        private static final X509TrustManager TRUST_ANY = new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };

        private Stream(Socket socket, boolean tls) throws IOException {
            this.socket = socket;
            this.tls = tls;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Connects (TCP handshake) within the deadline; the caller times this phase. */
        static Socket connect(InetSocketAddress target, InetAddress source, long deadlineNanos) throws IOException {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                if (source != null) s.bind(new InetSocketAddress(source, 0));
                int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, millisUntil(deadlineNanos)));
                s.connect(target, timeout);
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }

        static Stream tcp(Socket connected) throws IOException {
            return new Stream(connected, false);
        }

        /**
         * TLS client handshake over a connected socket. The certificate is not checked: the sip-server test has no
         * verifyCertificate option, and PBXs commonly present self-signed or IP-address certificates (README).
         */
        static Stream tls(Socket connected, String host, long deadlineNanos) throws IOException {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[]{TRUST_ANY}, null);
                SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(connected, host,
                        connected.getPort(), true);
                ssl.setUseClientMode(true);
                ssl.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, millisUntil(deadlineNanos))));
                ssl.startHandshake();
                return new Stream(ssl, true);
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("cannot set up TLS: " + e.getMessage(), e);
            }
        }

        @Override public String name() { return tls ? "TLS" : "TCP"; }
        @Override public boolean reliable() { return true; }
        @Override public InetSocketAddress local() { return new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort()); }

        @Override
        public void send(byte[] message) throws IOException {
            out.write(message);
            out.flush();
        }

        @Override
        public SipResponse receive(long deadlineNanos) throws IOException {
            while (true) {
                byte[] message = nextFramed();
                if (message != null) return SipResponse.parse(message);
                long wait = millisUntil(deadlineNanos);
                if (wait <= 0) return null;
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, wait));
                int n;
                try {
                    n = in.read(chunk);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                if (n < 0) throw new java.io.EOFException("the server closed the connection");
                pending.write(chunk, 0, n);
                if (pending.size() > MAX_MESSAGE) throw new SipProtocolException("no message end within 1 MiB");
            }
        }

        /** Takes one whole message off the front of the buffer, or null when it is not all there yet. */
        private byte[] nextFramed() throws SipProtocolException {
            byte[] b = pending.toByteArray();
            int start = 0;
            while (start < b.length && (b[start] == '\r' || b[start] == '\n')) start++; // keep-alive CRLFs
            int end = SipResponse.headerEnd(b, start, b.length);
            if (end < 0) {
                if (start > 0) reset(b, start);
                return null;
            }
            Matcher m = CONTENT_LENGTH.matcher(new String(b, start, end - start, StandardCharsets.ISO_8859_1));
            // RFC 3261 §18.3: on a stream Content-Length is mandatory; without it the body is taken as empty
            int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
            if (length > MAX_MESSAGE) throw new SipProtocolException("Content-Length " + length + " is too large");
            if (b.length - end < length) return null;
            byte[] message = Arrays.copyOfRange(b, start, end + length);
            reset(b, end + length);
            return message;
        }

        private void reset(byte[] b, int from) {
            pending.reset();
            pending.write(b, from, b.length - from);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static boolean isKeepAlive(byte[] message) {
        for (byte b : message) if (b != '\r' && b != '\n') return false;
        return true;
    }
}
