package dev.vantage.measure.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of the probes this engine sends and of the ICMP it reads back (IPv4): echo requests with a constant
 * checksum per flow (Paris traceroute), TCP SYNs, the header an ICMP error quotes, and MPLS label stacks from ICMP
 * extensions (RFC 4884 / RFC 4950). Written here because no library on Maven Central parses these few fields
 * without a pcap dependency.
 */
final class Packets {
    private Packets() {}

    static final int ICMP_ECHO_REPLY = 0, ICMP_UNREACHABLE = 3, ICMP_ECHO = 8, ICMP_TIME_EXCEEDED = 11;
    static final int TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;

    /** RFC 1071 Internet checksum of {@code b[off, off+len)} added to {@code initial}. */
    static int checksum(byte[] b, int off, int len, long initial) {
        long sum = initial;
        int i = off;
        for (; i + 1 < off + len; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        if (i < off + len) sum += (b[i] & 0xff) << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (int) (~sum & 0xffff);
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static long u32(byte[] b, int off) {
        return ((long) u16(b, off) << 16) | u16(b, off + 2);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, long v) {
        put16(b, off, (int) (v >>> 16));
        put16(b, off + 2, (int) v);
    }

    /**
     * An ICMP echo request whose checksum is the same for every {@code seq} of one {@code id}: the first two payload
     * bytes hold {@code 0xffff - seq}, so the ones'-complement sum (and so the checksum field a load balancer may
     * hash) never changes inside a trace.
     */
    static byte[] echoRequest(int id, int seq, int payloadSize) {
        byte[] p = new byte[8 + Math.max(2, payloadSize)];
        p[0] = ICMP_ECHO;
        put16(p, 4, id);
        put16(p, 6, seq);
        put16(p, 8, 0xffff - seq);
        for (int i = 10; i < p.length; i++) p[i] = (byte) ('A' + i % 26);
        put16(p, 2, checksum(p, 0, p.length, 0));
        return p;
    }

    /** A 20-byte TCP SYN (no options) with its checksum over the IPv4 pseudo-header. */
    static byte[] tcpSyn(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, long seq) {
        return tcpSyn(src, srcPort, dst, dstPort, seq, 0);
    }

    /**
     * A SYN carrying {@code payload} zero bytes: a large packet on the forward path that the target still answers at
     * once with SYN/ACK or RST (without a Fast Open cookie the data is dropped), for dispersion measurements.
     */
    static byte[] tcpSyn(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, long seq, int payload) {
        return tcpSegment(src, srcPort, dst, dstPort, seq, 0, TCP_SYN, 64240, new byte[payload]);
    }

    /** A bare ACK segment inside an established connection (in-session probes). */
    static byte[] tcpAck(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, long seq, long ack) {
        return tcpSegment(src, srcPort, dst, dstPort, seq, ack, TCP_ACK, 64240, new byte[0]);
    }

    /** A one-byte data segment (ACK|PSH) inside an established connection (SACK-mode probes). */
    static byte[] tcpData(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, long seq, long ack) {
        return tcpSegment(src, srcPort, dst, dstPort, seq, ack, TCP_ACK | TCP_PSH, 64240, new byte[] {'v'});
    }

    /** A TCP segment without options (data offset 5) and its checksum over the IPv4 pseudo-header. */
    private static byte[] tcpSegment(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, long seq, long ack,
                                     int flags, int window, byte[] payload) {
        byte[] t = new byte[20 + payload.length];
        put16(t, 0, srcPort);
        put16(t, 2, dstPort);
        put32(t, 4, seq);
        put32(t, 8, ack);
        t[12] = 5 << 4;
        t[13] = (byte) flags;
        put16(t, 14, window);
        System.arraycopy(payload, 0, t, 20, payload.length);
        put16(t, 16, tcpChecksum(src, dst, t));
        return t;
    }

    /**
     * Where TCP option {@code kind} starts in the segment at {@code tcp} (its kind byte), or -1.
     * Options: 0 ends the list, 1 is a one-byte pad, every other option is kind, length, data.
     */
    static int tcpOption(byte[] b, int tcp, int kind) {
        int end = Math.min(b.length, tcp + ((b[tcp + 12] & 0xff) >> 4) * 4);
        int i = tcp + 20;
        while (i < end) {
            int k = b[i] & 0xff;
            if (k == 0) return -1;
            if (k == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) return -1;
            int len = b[i + 1] & 0xff;
            if (len < 2 || i + len > end) return -1;
            if (k == kind) return i;
            i += len;
        }
        return -1;
    }

    /** A RST closing a half-open probe (the SYN/ACK's ack number is our seq + 1). */
    static byte[] tcpRst(Inet4Address src, int srcPort, Inet4Address dst, int dstPort, long seq) {
        return tcpSegment(src, srcPort, dst, dstPort, seq, 0, TCP_RST, 0, new byte[0]);
    }

    private static int tcpChecksum(Inet4Address src, Inet4Address dst, byte[] segment) {
        byte[] s = src.getAddress(), d = dst.getAddress();
        long pseudo = u16(s, 0) + u16(s, 2) + u16(d, 0) + u16(d, 2) + 6 + segment.length;
        return checksum(segment, 0, segment.length, pseudo);
    }

    /** IPv4 header length in bytes of the packet at {@code off}. */
    static int ihl(byte[] b, int off) {
        return (b[off] & 0x0f) * 4;
    }

    static InetAddress ipv4(byte[] b, int off) {
        try {
            return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, off, off + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What an ICMP error quotes of the datagram that caused it: protocol, destination and the first eight
     * transport bytes (RFC 792), enough to tell which probe it was.
     */
    record Quote(int protocol, InetAddress destination, byte[] transport8) {}

    /**
     * What an ICMP error (time exceeded or unreachable) says about one of our probes.
     *
     * @param transport8 the first 8 bytes of the probe's transport header, as the router quoted them
     * @param mpls       the MPLS label stack the router quoted, or null
     */
    record ProbeError(Prober.Kind kind, byte[] transport8, String mpls) {}

    /**
     * The ICMP error in the IPv4 packet {@code b} about a probe of {@code protocol} sent to {@code target}, or null when
     * {@code b} is something else; the caller matches the quoted transport header to its probe.
     */
    static ProbeError probeError(byte[] b, int protocol, InetAddress target) {
        if (b.length < 28) return null;
        int icmp = ihl(b, 0);
        int type = b[icmp] & 0xff;
        if (type != ICMP_TIME_EXCEEDED && type != ICMP_UNREACHABLE) return null;
        Quote q = quote(b, icmp, b.length);
        if (q == null || q.protocol() != protocol || !target.equals(q.destination())) return null;
        Prober.Kind kind = type == ICMP_TIME_EXCEEDED ? Prober.Kind.HOP : Prober.Kind.UNREACHABLE;
        return new ProbeError(kind, q.transport8(), mplsLabels(b, icmp, b.length));
    }

    /** @param icmp offset of the ICMP header in {@code b} (an error: type 3 or 11) */
    static Quote quote(byte[] b, int icmp, int length) {
        int inner = icmp + 8;
        if (length < inner + 20) return null;
        int innerIhl = ihl(b, inner);
        if (length < inner + innerIhl + 8) return null;
        byte[] t = java.util.Arrays.copyOfRange(b, inner + innerIhl, inner + innerIhl + 8);
        return new Quote(b[inner + 9] & 0xff, ipv4(b, inner + 16), t);
    }

    /**
     * The MPLS label stack an ICMP error carries in its extension structure (RFC 4884 §8, RFC 4950), formatted as v6
     * does: {@code L=label,E=traffic class,S=bottom of stack,T=ttl}, entries joined by {@code ;}. Routers that predate
     * RFC 4884 put the extension at a fixed 128 bytes with a zero length field; both are read.
     *
     * @param icmp offset of the ICMP header; {@code length} the end of the message
     * @return null when the message carries no MPLS object
     */
    static String mplsLabels(byte[] b, int icmp, int length) {
        int originalWords = b[icmp + 5] & 0xff;
        int ext = icmp + 8 + (originalWords > 0 ? originalWords * 4 : 128);
        if (originalWords > 0 && originalWords * 4 < 128) return null; // RFC 4884: the original datagram is padded to >= 128
        if (length < ext + 4 || ((b[ext] & 0xff) >> 4) != 2) return null;
        List<String> labels = new ArrayList<>();
        int obj = ext + 4;
        while (obj + 4 <= length) {
            int objLength = u16(b, obj);
            int classNum = b[obj + 2] & 0xff, cType = b[obj + 3] & 0xff;
            if (objLength < 4 || obj + objLength > length) break;
            if (classNum == 1 && cType == 1) {
                for (int e = obj + 4; e + 4 <= obj + objLength; e += 4) {
                    long entry = u32(b, e);
                    labels.add("L=" + (entry >>> 12) + ",E=" + ((entry >>> 9) & 7) + ",S=" + ((entry >>> 8) & 1)
                            + ",T=" + (entry & 0xff));
                }
            }
            obj += objLength;
        }
        return labels.isEmpty() ? null : String.join(";", labels);
    }

    // ---- classic BPF filters for the raw sockets (filter.h opcodes; loads are big-endian) ----------------------

    private static final int LD_W_ABS = 0x20, LD_H_IND = 0x48, LD_B_IND = 0x50, LD_W_IND = 0x40, LDX_B_MSH = 0xb1,
            JEQ_K = 0x15, JGE_K = 0x35, RET_K = 0x06, ACCEPT = 0x40000;

    private static int be(InetAddress a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /** Raw TCP socket: segments from {@code target:port} to a local port in {@code [low, high)}. */
    static int[][] tcpFilter(Inet4Address target, int port, int low, int high) {
        return new int[][] {
                {LD_W_ABS, 0, 0, 12},            // 0: source address
                {JEQ_K, 0, 7, be(target)},       // 1: else drop
                {LDX_B_MSH, 0, 0, 0},            // 2: x = IP header length
                {LD_H_IND, 0, 0, 0},             // 3: source port
                {JEQ_K, 0, 4, port},             // 4: else drop
                {LD_H_IND, 0, 0, 2},             // 5: destination port
                {JGE_K, 0, 2, low},              // 6: below the range: drop
                {JGE_K, 1, 0, high},             // 7: past the range: drop
                {RET_K, 0, 0, ACCEPT},           // 8
                {RET_K, 0, 0, 0},                // 9: drop
        };
    }

    /** Raw ICMP socket: echo replies from {@code target}, and errors (3, 11) about a datagram sent to it. */
    static int[][] icmpFilter(Inet4Address target) {
        return new int[][] {
                {LDX_B_MSH, 0, 0, 0},            // 0: x = IP header length
                {LD_B_IND, 0, 0, 0},             // 1: ICMP type
                {JEQ_K, 0, 2, ICMP_ECHO_REPLY},  // 2: echo reply -> 3, else -> 5
                {LD_W_ABS, 0, 0, 12},            // 3: source address
                {JEQ_K, 4, 5, be(target)},       // 4: -> accept / drop
                {JEQ_K, 1, 0, ICMP_TIME_EXCEEDED}, // 5: -> 7
                {JEQ_K, 0, 3, ICMP_UNREACHABLE}, // 6: else drop
                {LD_W_IND, 0, 0, 24},            // 7: destination of the quoted IP header
                {JEQ_K, 0, 1, be(target)},       // 8
                {RET_K, 0, 0, ACCEPT},           // 9
                {RET_K, 0, 0, 0},                // 10: drop
        };
    }
}
