package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The reference agent's TCP SACK mode (methods.md, "How the reference agent measures"): one real connection to the
 * target, opened by the kernel with SACK permitted; the probes are one-byte segments injected from a raw socket
 * beyond a hole at the start of the stream, two bytes apart so that their SACK blocks never merge. The target's TCP
 * answers every out-of-order segment at once with a duplicate ACK whose first SACK block is the segment that caused
 * it (RFC 2018 §4), which names the probe. Our own kernel ignores those SACK blocks (they cover data it never sent).
 * The connection is reset at the end, so the target never delivers the probe bytes to its application. SYN mode is
 * used instead when the target does not permit SACK, no connection can be made, or a first check segment draws no
 * SACK within 1 s.
 */
final class SackProber implements Prober {
    /** The SYN/ACK did not permit SACK, or the connection could not be made: SYN mode instead. */
    static final class Unavailable extends IOException {
        Unavailable(String why) {
            super(why);
        }
    }

    /** The reference agent falls back to SYN mode when no SACK arrives within 1 s. */
    static final long CHECK_MILLIS = 1_000;

    private final NativeSocket tcp;
    private final Socket session;
    private final Inet4Address target, local;
    private final int port, localPort;
    private final long base, theirNext;
    /** Handshake round trip, to compare with the probes' (a middlebox answering for the target is much faster). */
    final double handshakeMillis;

    SackProber(Inet4Address target, int port, Inet4Address source, int tos, long untilNanos) throws IOException {
        this.target = target;
        this.port = port;
        this.local = source;
        tcp = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_TCP);
        session = new Socket();
        try {
            tcp.enableArrivalTimestamps();
            tcp.setReceiveBuffer(IcmpProber.RAW_RECEIVE_BUFFER);
            tcp.attachFilter(Packets.tcpFilter(target, port, 0, 65_536));
            if (tos > 0) tcp.setTos(tos);
            session.setSoLinger(true, 0); // close with RST
            session.bind(new InetSocketAddress(source, 0));
            long t0 = System.nanoTime();
            try {
                session.connect(new InetSocketAddress(target, port), (int) Math.max(1, Math.min(2_000, Prober.millisLeft(untilNanos))));
            } catch (IOException e) {
                throw new Unavailable("no TCP session to " + target.getHostAddress() + ":" + port + ": " + e.getMessage());
            }
            handshakeMillis = (System.nanoTime() - t0) / 1e6;
            localPort = session.getLocalPort();
            long ours = -1, theirs = -1;
            boolean sackPermitted = false;
            while (ours < 0) {
                Received r = tcp.receive((int) Math.max(1, Math.min(1_000, Prober.millisLeft(untilNanos))), false);
                if (r == null) throw new Unavailable("did not see the handshake's SYN/ACK");
                byte[] b = r.data();
                int t = Packets.ihl(b, 0);
                if (b.length < t + 20 || Packets.u16(b, t + 2) != localPort) continue;
                if ((b[t + 13] & (Packets.TCP_SYN | Packets.TCP_ACK)) != (Packets.TCP_SYN | Packets.TCP_ACK)) continue;
                ours = Packets.u32(b, t + 8);
                theirs = (Packets.u32(b, t + 4) + 1) & 0xffffffffL;
                sackPermitted = Packets.tcpOption(b, t, 4) >= 0;
            }
            if (!sackPermitted) throw new Unavailable("the target did not permit SACK");
            // byte ISN+1 is the hole (never sent); ISN+2 carries the check probe; probes start at ISN+4, two apart
            this.base = (ours + 3) & 0xffffffffL;
            this.theirNext = theirs;
            tcp.sendTo(Packets.tcpData(local, localPort, target, port, (ours + 1) & 0xffffffffL, theirNext), target, 0);
            long until = Math.min(untilNanos, System.nanoTime() + CHECK_MILLIS * 1_000_000L);
            boolean answered = false;
            while (!answered) {
                Received r = tcp.receive((int) Math.max(1, Prober.millisLeft(until)), false);
                if (r == null) throw new Unavailable("no SACK within " + CHECK_MILLIS + " ms");
                int sack = sackBlock(r.data());
                answered = sack >= 0 && Packets.u32(r.data(), sack + 2) == ((ours + 1) & 0xffffffffL);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public String method() {
        return "TCP SACK (raw socket)";
    }

    /** Probe {@code seq} is the byte at base + 2 × seq; {@code flow} and {@code ttl} are fixed by the session. */
    @Override
    public void send(int flow, int ttl, int seq) throws IOException {
        tcp.sendTo(Packets.tcpData(local, localPort, target, port, (base + 2L * seq) & 0xffffffffL, theirNext), target, 0);
    }

    @Override
    public Reply next(long untilNanos) throws IOException {
        while (System.nanoTime() < untilNanos) {
            Received r = tcp.receive((int) Math.max(1, Prober.millisLeft(untilNanos)), false);
            if (r == null) return null;
            byte[] b = r.data();
            int sack = sackBlock(b);
            if (sack < 0) continue;
            long left = Packets.u32(b, sack + 2);
            long offset = (left - base) & 0xffffffffL;
            if (offset % 2 != 0 || offset / 2 >= 65_536) continue;
            return new Reply((int) (offset / 2), r.from(), Kind.DESTINATION, r.atNanos(), null);
        }
        return null;
    }

    /** The offset of the SACK option of a segment to our session (its first block at +2), or -1. */
    private int sackBlock(byte[] b) {
        int t = Packets.ihl(b, 0);
        if (b.length < t + 20 || Packets.u16(b, t + 2) != localPort) return -1;
        int sack = Packets.tcpOption(b, t, 5);
        return sack < 0 || (b[sack + 1] & 0xff) < 10 ? -1 : sack;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        tcp.close();
    }
}
