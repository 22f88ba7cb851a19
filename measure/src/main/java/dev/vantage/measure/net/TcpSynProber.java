package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP SYN probes from a raw socket (needs CAP_NET_RAW), the reference agent's SYN mode and TCP traceroute: the flow is
 * the source port, the probe is the sequence number. The target answers with SYN/ACK or RST (we then send a RST; the
 * kernel, which owns no socket on that port, resets it too); routers answer with ICMP time exceeded quoting ports and
 * sequence number, read from a second raw ICMP socket.
 */
final class TcpSynProber implements Prober {
    private final NativeSocket tcp, icmp;
    private final Inet4Address target, source;
    private final int port, portBase, flows;
    private final long seqBase;
    private int ttl = -1;
    /** Bytes of data each SYN carries (0 for probes; MTU-sized for bandwidth trains). */
    private int synPayload;

    TcpSynProber(Inet4Address target, int port, Inet4Address source, int flows, int tos) throws IOException {
        this.target = target;
        this.port = port;
        this.flows = flows;
        this.source = source;
        this.portBase = ThreadLocalRandom.current().nextInt(33_000, 60_000 - flows);
        this.seqBase = ThreadLocalRandom.current().nextLong(1L << 32);
        tcp = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_TCP);
        NativeSocket i = null;
        try {
            i = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_ICMP);
            tcp.bind(source, 0);
            if (tos > 0) tcp.setTos(tos);
            tcp.enableArrivalTimestamps();
            i.enableArrivalTimestamps();
            tcp.setReceiveBuffer(IcmpProber.RAW_RECEIVE_BUFFER);
            i.setReceiveBuffer(IcmpProber.RAW_RECEIVE_BUFFER);
            tcp.attachFilter(Packets.tcpFilter(target, port, portBase, portBase + flows));
            i.attachFilter(Packets.icmpFilter(target));
        } catch (IOException e) {
            tcp.close();
            if (i != null) i.close();
            throw e;
        }
        icmp = i;
    }

    @Override
    public String method() {
        return "TCP SYN (raw socket)";
    }

    /** Makes every following SYN carry {@code bytes} of data (see {@link Packets#tcpSyn(Inet4Address, int, Inet4Address, int, long, int)}). */
    void carryPayload(int bytes) {
        this.synPayload = bytes;
    }

    @Override
    public void send(int flow, int ttl, int seq) throws IOException {
        if (ttl != this.ttl) {
            tcp.setTtl(ttl);
            this.ttl = ttl;
        }
        tcp.sendTo(Packets.tcpSyn(source, portBase + flow, target, port, (seqBase + seq) & 0xffffffffL, synPayload), target, 0);
    }

    @Override
    public Reply next(long untilNanos) throws IOException {
        return Prober.nextOf(tcp, this::matchTcp, icmp, this::matchIcmp, untilNanos);
    }

    private Reply matchTcp(Received r) throws IOException {
        byte[] b = r.data();
        if (b.length < 40 || !target.equals(r.from())) return null;
        int t = Packets.ihl(b, 0);
        if (b.length < t + 20 || Packets.u16(b, t) != port || !ours(Packets.u16(b, t + 2))) return null;
        int flags = b[t + 13] & 0xff;
        boolean synAck = (flags & (Packets.TCP_SYN | Packets.TCP_ACK)) == (Packets.TCP_SYN | Packets.TCP_ACK);
        boolean rst = (flags & Packets.TCP_RST) != 0;
        if (!synAck && !rst) return null;
        long ack = Packets.u32(b, t + 8);
        // a SYN/ACK acknowledges the SYN only (the data of a SYN without a Fast Open cookie is dropped); a RST from a
        // closed port acknowledges the SYN and its data (RFC 793 reset generation)
        long seq = (ack - 1 - (synAck ? 0 : synPayload) - seqBase) & 0xffffffffL;
        if (seq >= 65_536) return null;
        if (synAck) {
            // close the half-open connection the probe made on the target
            int savedTtl = ttl;
            if (savedTtl != 64) {
                tcp.setTtl(64);
                ttl = 64;
            }
            tcp.sendTo(Packets.tcpRst(source, Packets.u16(b, t + 2), target, port, ack), target, 0);
        }
        return new Reply((int) seq, r.from(), Kind.DESTINATION, r.atNanos(), null);
    }

    private Reply matchIcmp(Received r) {
        Packets.ProbeError e = Packets.probeError(r.data(), NativeSocket.IPPROTO_TCP, target);
        if (e == null) return null;
        byte[] t = e.transport8();
        if (!ours(Packets.u16(t, 0)) || Packets.u16(t, 2) != port) return null;
        long seq = (Packets.u32(t, 4) - seqBase) & 0xffffffffL;
        if (seq >= 65_536) return null;
        return new Reply((int) seq, r.from(), e.kind(), r.atNanos(), e.mpls());
    }

    private boolean ours(int srcPort) {
        return srcPort >= portBase && srcPort < portBase + flows;
    }

    @Override
    public void close() {
        tcp.close();
        icmp.close();
    }
}
