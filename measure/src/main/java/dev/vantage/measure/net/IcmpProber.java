package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ICMP echo probes from a raw socket (needs CAP_NET_RAW). The flow is the echo id; the probe is the sequence number,
 * with the checksum held constant (Paris traceroute) so a load balancer hashing the first transport bytes keeps the
 * flow on one branch.
 */
final class IcmpProber implements Prober {
    /** Raw sockets see every packet of their protocol on the host: room for bursts of other rounds' traffic. */
    static final int RAW_RECEIVE_BUFFER = 4 << 20;

    private final NativeSocket socket;
    private final InetAddress target;
    private final int idBase, flows, payloadSize;
    private int ttl = -1;

    IcmpProber(InetAddress target, InetAddress source, int flows, int payloadSize, int tos) throws IOException {
        this.target = target;
        this.flows = flows;
        this.payloadSize = payloadSize;
        this.idBase = ThreadLocalRandom.current().nextInt(1, 65536 - flows);
        socket = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_ICMP);
        try {
            if (source != null) socket.bind(source, 0);
            if (tos > 0) socket.setTos(tos);
            socket.enableArrivalTimestamps();
            socket.setReceiveBuffer(RAW_RECEIVE_BUFFER);
            if (target instanceof java.net.Inet4Address t4) socket.attachFilter(Packets.icmpFilter(t4));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public String method() {
        return "ICMP echo (raw socket)";
    }

    @Override
    public void send(int flow, int ttl, int seq) throws IOException {
        if (ttl != this.ttl) {
            socket.setTtl(ttl);
            this.ttl = ttl;
        }
        socket.sendTo(Packets.echoRequest(idBase + flow, seq, payloadSize), target, 0);
    }

    @Override
    public Reply next(long untilNanos) throws IOException {
        while (System.nanoTime() < untilNanos) {
            Received r = socket.receive((int) Math.max(1, Prober.millisLeft(untilNanos)), false);
            if (r == null) return null;
            Reply reply = match(r);
            if (reply != null) return reply;
        }
        return null;
    }

    private Reply match(Received r) {
        byte[] b = r.data();
        if (b.length < 28) return null;
        int icmp = Packets.ihl(b, 0);
        int type = b[icmp] & 0xff;
        if (type == Packets.ICMP_ECHO_REPLY) {
            if (!ours(Packets.u16(b, icmp + 4)) || !target.equals(r.from())) return null;
            return new Reply(Packets.u16(b, icmp + 6), r.from(), Kind.DESTINATION, r.atNanos(), null);
        }
        Packets.ProbeError e = Packets.probeError(b, NativeSocket.IPPROTO_ICMP, target);
        if (e == null) return null;
        byte[] t = e.transport8();
        if ((t[0] & 0xff) != Packets.ICMP_ECHO || !ours(Packets.u16(t, 4))) return null;
        return new Reply(Packets.u16(t, 6), r.from(), e.kind(), r.atNanos(), e.mpls());
    }

    private boolean ours(int id) {
        return ((id - idBase) & 0xffff) < flows;
    }

    @Override
    public void close() {
        socket.close();
    }
}
