package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.ExtendedError;
import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * ICMP echo without privilege: Linux "ping" sockets ({@code SOCK_DGRAM}/{@code IPPROTO_ICMP}), allowed when
 * {@code net.ipv4.ping_group_range} covers the process's group. The kernel owns the echo id (one socket per flow,
 * so one id per flow) and delivers only this socket's replies; routers' time exceeded come through IP_RECVERR with
 * the echo we sent, so the probe is read from its sequence number. The checksum stays constant per flow as with raw
 * sockets (the compensating payload bytes go through unchanged).
 */
final class PingProber implements Prober {
    private final InetAddress target, source;
    private final int payloadSize, tos;
    private final List<NativeSocket> sockets = new ArrayList<>();
    private final int[] ttls;

    /** @throws IOException EACCES when the ping group range does not cover this process */
    PingProber(InetAddress target, InetAddress source, int flows, int payloadSize, int tos) throws IOException {
        this.target = target;
        this.source = source;
        this.payloadSize = payloadSize;
        this.tos = tos;
        this.ttls = new int[flows];
        socket(0); // fail now, not at the first probe, when ping sockets are not allowed
    }

    @Override
    public String method() {
        return "ICMP echo (ping socket, unprivileged)";
    }

    private NativeSocket socket(int flow) throws IOException {
        while (sockets.size() <= flow) {
            NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_ICMP);
            sockets.add(s);
            s.enableErrorQueue();
            s.enableArrivalTimestamps();
            if (tos > 0) s.setTos(tos);
            if (source != null) s.bind(source, 0);
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
        UdpProber.sendThroughPendingErrors(s, Packets.echoRequest(0, seq, payloadSize), target, 0);
    }

    @Override
    public Reply next(long untilNanos) throws IOException {
        while (System.nanoTime() < untilNanos && !sockets.isEmpty()) {
            int ready = NativeSocket.awaitAny(sockets, true, (int) Math.max(1, Prober.millisLeft(untilNanos)));
            if (ready < 0) return null;
            NativeSocket s = sockets.get(ready);
            Received err = s.receiveNow(true);
            if (err != null) {
                ExtendedError e = err.error();
                if (e == null || e.origin() != ExtendedError.ORIGIN_ICMP || err.data().length < 8) continue;
                int seq = Packets.u16(err.data(), 6);
                if (e.type() == Packets.ICMP_TIME_EXCEEDED) return new Reply(seq, e.offender(), Kind.HOP, err.atNanos(), null);
                if (e.type() == Packets.ICMP_UNREACHABLE) return new Reply(seq, e.offender(), Kind.UNREACHABLE, err.atNanos(), null);
                continue;
            }
            Received r = s.receiveNow(false);
            if (r == null || r.data().length < 8 || (r.data()[0] & 0xff) != Packets.ICMP_ECHO_REPLY) continue;
            return new Reply(Packets.u16(r.data(), 6), r.from(), Kind.DESTINATION, r.atNanos(), null);
        }
        return null;
    }

    @Override
    public void close() {
        sockets.forEach(NativeSocket::close);
    }
}
