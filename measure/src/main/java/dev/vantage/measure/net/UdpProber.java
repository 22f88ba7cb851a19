package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.ErrnoException;
import dev.vantage.measure.net.sys.ExtendedError;
import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What an unprivileged process can trace with (tracepath's method): UDP datagrams with a TTL, and the kernel's
 * IP_RECVERR error queue telling which router answered with ICMP time exceeded and when the target said port
 * unreachable. One socket (one source port) per flow, a fixed destination port, the probe id in the payload, which
 * changes only the UDP checksum (Paris traceroute's UDP rule). The error queue carries no ICMP extensions, so no MPLS.
 * Works for IPv4 and IPv6 (IPV6_RECVERR, ICMPv6 types).
 */
final class UdpProber implements Prober {
    /** traceroute's first port: nothing listens there, so the target answers port unreachable */
    static final int TRACE_PORT = 33434;

    private final InetAddress target, source;
    private final int port, tos;
    private final List<NativeSocket> sockets = new ArrayList<>();
    private final int[] ttls;

    UdpProber(InetAddress target, InetAddress source, int flows, int tos) {
        this.target = target;
        this.source = source;
        this.port = TRACE_PORT;
        this.tos = tos;
        this.ttls = new int[flows];
    }

    @Override
    public String method() {
        return "UDP with IP_RECVERR (unprivileged)";
    }

    private NativeSocket socket(int flow) throws IOException {
        while (sockets.size() <= flow) {
            NativeSocket s = NativeSocket.open(target.getAddress().length == 16, NativeSocket.Kind.DGRAM,
                    NativeSocket.IPPROTO_UDP);
            sockets.add(s);
            s.enableErrorQueue();
            s.enableArrivalTimestamps();
            if (tos > 0) s.setTos(tos);
            s.bind(source != null ? source : InetAddress.getByName(target.getAddress().length == 16 ? "::" : "0.0.0.0"), 0);
        }
        return sockets.get(flow);
    }

    @Override
    public void send(int flow, int ttl, int seq) throws IOException {
        NativeSocket s = socket(flow);
        if (ttls[flow] != ttl) {
            s.setTtl(ttl);
            ttls[flow] = ttl;
        }
        byte[] payload = new byte[12];
        Packets.put16(payload, 0, seq);
        sendThroughPendingErrors(s, payload, target, port);
    }

    /**
     * With IP_RECVERR every ICMP error also sets the socket's pending error, and the next send reports that error
     * instead of sending (udp(7); ping sockets do the same); the error is cleared by being reported, so the send is
     * repeated.
     */
    static void sendThroughPendingErrors(NativeSocket s, byte[] payload, InetAddress to, int port) throws ErrnoException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (to == null) s.sendTo(payload, null, 0);
                else s.sendTo(payload, to, port);
                return;
            } catch (ErrnoException e) {
                boolean pending = e.errno() == ErrnoException.ECONNREFUSED || e.errno() == ErrnoException.EHOSTUNREACH
                        || e.errno() == ErrnoException.ENETUNREACH;
                if (!pending || attempt >= 8) throw e;
            }
        }
    }

    @Override
    public Reply next(long untilNanos) throws IOException {
        while (System.nanoTime() < untilNanos && !sockets.isEmpty()) {
            int ready = NativeSocket.awaitAny(sockets, true, (int) Math.max(1, Prober.millisLeft(untilNanos)));
            if (ready < 0) return null;
            NativeSocket s = sockets.get(ready);
            Received r = s.receiveNow(true);
            if (r == null) {
                s.receiveNow(false); // an unexpected datagram from an open port: drop it
                continue;
            }
            ExtendedError e = r.error();
            if (e == null || r.data().length < 2) continue;
            int seq = Packets.u16(r.data(), 0);
            // ICMPv4: time exceeded 11, unreachable 3 (port: code 3); ICMPv6: time exceeded 3, unreachable 1 (port: 4)
            boolean v6 = e.origin() == ExtendedError.ORIGIN_ICMP6;
            if (e.origin() != ExtendedError.ORIGIN_ICMP && !v6) continue;
            if (e.type() == (v6 ? 3 : Packets.ICMP_TIME_EXCEEDED)) {
                return new Reply(seq, e.offender(), Kind.HOP, r.atNanos(), null);
            }
            if (e.type() == (v6 ? 1 : Packets.ICMP_UNREACHABLE)) {
                boolean portUnreachable = e.code() == (v6 ? 4 : 3) && target.equals(e.offender());
                return new Reply(seq, e.offender(), portUnreachable ? Kind.DESTINATION : Kind.UNREACHABLE, r.atNanos(), null);
            }
        }
        return null;
    }

    @Override
    public void close() {
        sockets.forEach(NativeSocket::close);
    }
}
