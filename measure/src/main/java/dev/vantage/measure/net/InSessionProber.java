package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * In-session path traces (methods.md §9.1, TE's {@code inSession} mode): each flow is a real TCP connection to the
 * target, opened by the kernel; the probes are TTL-limited segments inside it, so a stateful firewall that drops
 * stray SYNs lets them through. A probe is a bare ACK whose sequence number lies just before the connection's
 * window (already acknowledged, so the target's TCP discards it and our own kernel ignores the ICMP about it, RFC
 * 5961 / tcp_v4_err); routers quote ports and sequence number in their time exceeded, the target answers with a
 * duplicate ACK. The target's kernel rate-limits those ACKs (Linux: net.ipv4.tcp_invalid_ratelimit, one per 500 ms
 * per connection), so a duplicate ACK is attributed to the oldest unanswered probe of its flow, and the destination
 * hop gets no loss figure. Needs CAP_NET_RAW (raw sockets send the probes and read the answers).
 */
final class InSessionProber implements Prober {
    private final NativeSocket tcp, icmp;
    private final Inet4Address target;
    private final int port;
    private final List<Socket> sessions = new ArrayList<>();
    private final int[] localPorts;
    /** per flow: our next sequence number (ISN + 1) and the target's (its ISN + 1) */
    private final long[] ourNext, theirNext;
    private final List<Deque<Integer>> unanswered = new ArrayList<>();
    private final java.util.Map<Integer, Integer> ttlOf = new java.util.HashMap<>();
    private int ttl = -1;

    /** Opens {@code flows} connections; fails (IOException) when the target does not accept them. */
    InSessionProber(Inet4Address target, int port, Inet4Address source, int flows, int tos, long untilNanos) throws IOException {
        this.target = target;
        this.port = port;
        this.localPorts = new int[flows];
        this.ourNext = new long[flows];
        this.theirNext = new long[flows];
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
            i.attachFilter(Packets.icmpFilter(target));
            tcp.attachFilter(Packets.tcpFilter(target, port, 0, 65_536)); // local ports are not known before connect
            for (int f = 0; f < flows; f++) {
                Socket s = new Socket();
                sessions.add(s);
                s.bind(new InetSocketAddress(source, 0));
                s.connect(new InetSocketAddress(target, port), (int) Math.max(1, Prober.millisLeft(untilNanos)));
                localPorts[f] = s.getLocalPort();
                unanswered.add(new ArrayDeque<>());
            }
            // the raw socket kept a copy of each SYN/ACK: it tells both sides' sequence numbers
            int found = 0;
            while (found < flows) {
                Received r = tcp.receive((int) Math.max(1, Math.min(1_000, Prober.millisLeft(untilNanos))), false);
                if (r == null) throw new IOException("did not see the handshakes of the in-session connections");
                byte[] b = r.data();
                int t = Packets.ihl(b, 0);
                if (!target.equals(r.from()) || b.length < t + 20 || Packets.u16(b, t) != port) continue;
                if ((b[t + 13] & (Packets.TCP_SYN | Packets.TCP_ACK)) != (Packets.TCP_SYN | Packets.TCP_ACK)) continue;
                int f = flowOf(Packets.u16(b, t + 2));
                if (f < 0 || ourNext[f] != 0) continue;
                ourNext[f] = Packets.u32(b, t + 8);
                theirNext[f] = (Packets.u32(b, t + 4) + 1) & 0xffffffffL;
                found++;
            }
        } catch (IOException e) {
            close();
            if (i != null) i.close();
            throw e;
        }
        icmp = i;
    }

    @Override
    public String method() {
        return "TCP in-session (raw socket)";
    }

    /** Probe {@code seq} carries sequence number ourNext - 1 - seq: acknowledged data, outside the window. */
    @Override
    public void send(int flow, int ttl, int seq) throws IOException {
        if (ttl != this.ttl) {
            tcp.setTtl(ttl);
            this.ttl = ttl;
        }
        long s = (ourNext[flow] - 1 - seq) & 0xffffffffL;
        byte[] segment = Packets.tcpAck((Inet4Address) sessions.get(flow).getLocalAddress(), localPorts[flow], target, port,
                s, theirNext[flow]);
        unanswered.get(flow).addLast(seq);
        ttlOf.put(seq, ttl);
        tcp.sendTo(segment, target, 0);
    }

    @Override
    public Reply next(long untilNanos) throws IOException {
        return Prober.nextOf(tcp, this::matchAck, icmp, this::matchIcmp, untilNanos);
    }

    private Reply matchAck(Received r) {
        byte[] b = r.data();
        if (!target.equals(r.from())) return null;
        int t = Packets.ihl(b, 0);
        if (b.length < t + 20 || Packets.u16(b, t) != port) return null;
        int f = flowOf(Packets.u16(b, t + 2));
        int flags = b[t + 13] & 0xff;
        if (f < 0 || (flags & Packets.TCP_ACK) == 0 || (flags & (Packets.TCP_SYN | Packets.TCP_RST)) != 0) return null;
        int dataOffset = ((b[t + 12] & 0xff) >> 4) * 4;
        if (b.length > t + dataOffset) return null; // data from the server, not an answer to a probe
        // the answer carries nothing of the probe: it belongs to the flow's highest TTL, its first unanswered probe
        Deque<Integer> open = unanswered.get(f);
        int top = open.stream().mapToInt(ttlOf::get).max().orElse(-1);
        Integer seq = open.stream().filter(q -> ttlOf.get(q) == top).findFirst().orElse(null);
        if (seq == null) return null;
        open.remove(seq);
        return new Reply(seq, r.from(), Kind.DESTINATION, r.atNanos(), null);
    }

    private Reply matchIcmp(Received r) {
        Packets.ProbeError e = Packets.probeError(r.data(), NativeSocket.IPPROTO_TCP, target);
        if (e == null) return null;
        byte[] t = e.transport8();
        int f = flowOf(Packets.u16(t, 0));
        if (f < 0 || Packets.u16(t, 2) != port) return null;
        long seq = (ourNext[f] - 1 - Packets.u32(t, 4)) & 0xffffffffL;
        if (seq >= 65_536) return null;
        unanswered.get(f).remove((Integer) (int) seq);
        return new Reply((int) seq, r.from(), e.kind(), r.atNanos(), e.mpls());
    }

    private int flowOf(int localPort) {
        for (int f = 0; f < localPorts.length; f++) if (localPorts[f] == localPort) return f;
        return -1;
    }

    @Override
    public void close() {
        for (Socket s : sessions) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        tcp.close();
        if (icmp != null) icmp.close();
    }
}
