package dev.vantage.measure.a2a;

import dev.vantage.measure.net.sys.ErrnoException;
import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The agent-to-agent responder: listens on one port for UDP datagrams and TCP connections and reflects the probes
 * of the rounds it was told about ({@link #accept}). Anything else gets no reply at all: a packet that is not ours,
 * a key it does not hold, a MAC that does not verify, a replay. A reply is never larger than the probe it answers
 * (same size, RFC 6038 symmetric mode) and goes only to the address the probe came from, so the responder cannot
 * amplify traffic. On TCP every message is a 2-byte length and a packet; the first message that does not verify
 * closes the connection without a byte sent.
 *
 * <p>The UDP side is a {@link NativeSocket} rather than a JDK channel: a voice round's receiver needs the DSCP each
 * RTP packet arrived with (IP_RECVTOS) and the kernel's arrival time (SO_TIMESTAMPNS), which the JDK cannot read.
 */
public final class Responder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Responder.class);
    static final int MAX_CONNECTIONS = 256;
    static final int TCP_IDLE_MILLIS = 30_000;

    private static final Map<Integer, Responder> SHARED = new HashMap<>();
    private static final Map<Integer, Integer> USERS = new HashMap<>();

    private final int port;
    private final NativeSocket udp;
    private final Thread udpThread;
    private final ServerSocket tcp;
    private final Map<Long, RoundLog> rounds = new ConcurrentHashMap<>();
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private int udpTos;

    private Responder(int port) throws IOException {
        NativeSocket datagrams = null;
        ServerSocket server = null;
        try {
            datagrams = NativeSocket.dualStackUdp();
            datagrams.setReceiveBuffer(1 << 20); // voice streams, throughput bursts
            datagrams.enableReceiveTos();
            datagrams.enableArrivalTimestamps();
            datagrams.bind(InetAddress.getByName("::"), port);
            int bound = datagrams.localAddress().getPort();
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(bound));
            this.port = bound;
        } catch (IOException | RuntimeException e) {
            if (datagrams != null) datagrams.close();
            if (server != null) server.close();
            throw new IOException("cannot listen on port " + port + " (UDP and TCP): " + e.getMessage(), e);
        }
        this.udp = datagrams;
        this.tcp = server;
        this.udpThread = Thread.ofPlatform().daemon().name("a2a-responder-udp-" + this.port).start(this::udpLoop);
        Thread.ofPlatform().daemon().name("a2a-responder-tcp-" + this.port).start(this::tcpLoop);
        if (port == 0) log.debug("agent-to-agent responder on ephemeral UDP and TCP port {}", this.port); // warm-up, tests
        else log.info("agent-to-agent responder listening on UDP and TCP port {}", this.port);
    }

    /** A responder of its own on {@code port} (0: any free port); close it when done. */
    public static Responder open(int port) throws IOException {
        return new Responder(port);
    }

    /** The process's shared responder on {@code port}, opened on first use; give it back with {@link #release}. */
    public static Responder acquire(int port) throws IOException {
        synchronized (SHARED) {
            Responder r = SHARED.get(port);
            if (r == null || r.closed) {
                r = new Responder(port);
                SHARED.put(port, r);
                USERS.put(port, 0);
            }
            USERS.merge(port, 1, Integer::sum);
            return r;
        }
    }

    /** Gives back a shared responder; the last user closes it. */
    public void release() {
        synchronized (SHARED) {
            int left = USERS.merge(port, -1, Integer::sum);
            if (left <= 0 && SHARED.get(port) == this) {
                SHARED.remove(port);
                USERS.remove(port);
                close();
            }
        }
    }

    public int port() {
        return port;
    }

    /** Starts answering the probes of a round sealed with {@code key}; what the sources send is logged there. */
    public RoundLog accept(ProbePacket.Key key) {
        return rounds.computeIfAbsent(key.id(), id -> new RoundLog(key));
    }

    /** Stops answering the round. */
    public void retire(RoundLog round) {
        rounds.remove(round.key().id(), round);
    }

    /**
     * @param arrivalNanos {@link System#nanoTime()} of the arrival (the kernel's, for UDP)
     * @param tos          the TOS byte the datagram carried, or null when not known (TCP)
     */
    private byte[] answer(byte[] packet, int length, SocketAddress from, String protocol, long arrivalNanos, Integer tos) {
        long t2 = Stamp.at(arrivalNanos);
        ProbePacket.Fields header = ProbePacket.peek(packet, length);
        if (header == null && protocol.equals("UDP") && from instanceof InetSocketAddress sender) {
            // not a probe: maybe a voice round's RTP stream, which its receiver authenticates
            for (RoundLog round : rounds.values()) {
                Tap tap = round.tap();
                if (tap != null) tap.offer(java.util.Arrays.copyOf(packet, length), sender, arrivalNanos, t2, tos);
            }
            return null;
        }
        if (header == null || header.isReply()) return null;
        RoundLog round = rounds.get(header.keyId());
        if (round == null) return null;
        ProbePacket.Fields verified = round.key().open(packet, length);
        if (verified == null) return null;
        return round.answer(verified, length, from, protocol, t2, ProbePacket.dscp(packet));
    }

    private void udpLoop() {
        try {
            while (!closed) {
                Received in;
                try {
                    in = udp.receive(200, false); // wakes up to see close()
                } catch (ErrnoException e) {
                    if (closed) return;
                    log.debug("responder UDP: {}", e.getMessage());
                    continue;
                }
                if (in == null || in.from() == null) continue;
                InetSocketAddress from = new InetSocketAddress(in.from(), in.fromPort());
                Integer tos = in.tos() >= 0 ? in.tos() : null;
                byte[] reply = answer(in.data(), in.data().length, from, "UDP", in.atNanos(), tos);
                if (reply == null || reply.length == 0) continue;
                try {
                    // the reflected probe is marked as the probe was (this loop is the socket's only sender)
                    int replyTos = ProbePacket.dscp(reply) << 2;
                    if (replyTos != udpTos) {
                        udp.setTos(replyTos);
                        udpTos = replyTos;
                    }
                    udp.sendTo(reply, from.getAddress(), from.getPort());
                } catch (ErrnoException e) {
                    log.debug("responder UDP reply to {}: {}", from, e.getMessage());
                }
            }
        } finally {
            udp.close(); // here, by the only thread that uses it
        }
    }

    private void tcpLoop() {
        while (!closed) {
            try {
                Socket socket = tcp.accept();
                if (!connections.tryAcquire()) {
                    socket.close();
                    continue;
                }
                open.put(socket, true);
                Thread.ofVirtual().name("a2a-responder-conn").start(() -> {
                    try (socket) {
                        serve(socket);
                    } catch (IOException e) {
                        log.debug("responder TCP {}: {}", socket.getRemoteSocketAddress(), e.toString());
                    } finally {
                        open.remove(socket);
                        connections.release();
                    }
                });
            } catch (IOException e) {
                if (closed) return;
                log.debug("responder TCP accept: {}", e.toString());
            }
        }
    }

    private void serve(Socket socket) throws IOException {
        socket.setSoTimeout(TCP_IDLE_MILLIS);
        socket.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        SocketAddress from = socket.getRemoteSocketAddress();
        byte[] packet = new byte[ProbePacket.MAX_SIZE];
        while (!closed) {
            int length;
            try {
                length = in.readUnsignedShort();
            } catch (EOFException | SocketException e) {
                return;
            }
            if (length < ProbePacket.MIN_SIZE || length > ProbePacket.MAX_SIZE) return;
            in.readFully(packet, 0, length);
            byte[] reply = answer(packet, length, from, "TCP", System.nanoTime(), null);
            if (reply == null) return; // not ours: close without a byte
            if (reply.length == 0) continue; // throughput data
            int tos = ProbePacket.dscp(reply) << 2;
            if (tos != socket.getTrafficClass()) socket.setTrafficClass(tos);
            out.writeShort(reply.length);
            out.write(reply);
            out.flush();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            udpThread.join(1_000); // the loop closes the UDP socket within one 200 ms wait, freeing the port
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open.keySet()) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
