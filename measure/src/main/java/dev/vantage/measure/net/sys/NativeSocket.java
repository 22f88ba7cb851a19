package dev.vantage.measure.net.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A Linux socket file descriptor the JDK cannot make: raw ({@code SOCK_RAW} ICMP/TCP), unprivileged ICMP "ping"
 * ({@code SOCK_DGRAM}/{@code IPPROTO_ICMP}), or UDP with per-socket TTL, TOS, DF and {@code IP_RECVERR}. Blocking
 * calls are bounded by {@link #receive(int, boolean)}'s timeout (poll(2)), so a caller never hangs past its deadline.
 * Not thread-safe: one thread sends and receives (a second may {@link #close()} it).
 */
public final class NativeSocket implements AutoCloseable {
    public static final int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41,
            IPPROTO_ICMPV6 = 58;
    public static final int IP_TOS = 1, IP_TTL = 2, IP_RECVTTL = 12, IP_RECVTOS = 13, IP_MTU_DISCOVER = 10,
            IP_RECVERR = 11, IP_MTU = 14;
    public static final int IP_PMTUDISC_DONT = 0, IP_PMTUDISC_DO = 2, IP_PMTUDISC_PROBE = 3;
    public static final int IPV6_UNICAST_HOPS = 16, IPV6_MTU_DISCOVER = 23, IPV6_MTU = 24, IPV6_RECVERR = 25,
            IPV6_RECVHOPLIMIT = 51, IPV6_HOPLIMIT = 52, IPV6_RECVTCLASS = 66, IPV6_TCLASS = 67, IPV6_V6ONLY = 26;
    public static final int SO_RCVBUF = 8, SO_RCVBUFFORCE = 33, SO_ATTACH_FILTER = 26;
    /** SO_TIMESTAMPNS (x86_64): the kernel stamps each datagram with its arrival time (CLOCK_REALTIME). */
    static final int SO_TIMESTAMPNS = 35;

    /** Socket kinds this class opens. */
    public enum Kind {
        /** SOCK_RAW with the given protocol: needs CAP_NET_RAW; IPv4 reads include the IP header. */
        RAW(LibC.SOCK_RAW),
        /** SOCK_DGRAM: UDP, or ICMP "ping" sockets when net.ipv4.ping_group_range covers the caller's group. */
        DGRAM(LibC.SOCK_DGRAM),
        STREAM(LibC.SOCK_STREAM);

        final int type;

        Kind(int type) {
            this.type = type;
        }
    }

    private static final int CMSG_BUFFER = 512;
    private static final int MAX_DATAGRAM = 65_536;

    private final int fd;
    private final boolean ipv6;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(MAX_DATAGRAM, 8);
    private final MemorySegment control = arena.allocate(CMSG_BUFFER, 8);
    private final MemorySegment name = arena.allocate(28, 8);
    private final MemorySegment sendBuffer = arena.allocate(MAX_DATAGRAM, 8);
    private final MemorySegment sendName = arena.allocate(28, 8);
    private final MemorySegment iov = arena.allocate(16, 8);
    private final MemorySegment msghdr = arena.allocate(56, 8);
    private final MemorySegment pollfd = arena.allocate(8, 8);
    private volatile boolean closed;
    /** AF_INET6 socket that also carries IPv4 (IPv4-mapped) traffic. */
    private boolean dualStack;

    private NativeSocket(int fd, boolean ipv6) {
        this.fd = fd;
        this.ipv6 = ipv6;
    }

    /**
     * @param ipv6     AF_INET6 instead of AF_INET
     * @param protocol e.g. {@link #IPPROTO_ICMP}, {@link #IPPROTO_TCP}, {@link #IPPROTO_UDP}
     * @throws ErrnoException EPERM/EACCES ({@link ErrnoException#isPermissionDenied()}) without the privilege
     */
    public static NativeSocket open(boolean ipv6, Kind kind, int protocol) throws ErrnoException {
        return new NativeSocket(LibC.socket(ipv6 ? LibC.AF_INET6 : LibC.AF_INET, kind.type, protocol), ipv6);
    }

    /**
     * A UDP socket for both families (AF_INET6 with IPV6_V6ONLY off): IPv4 peers appear as IPv4 addresses and are
     * sent to as IPv4-mapped ones; TOS set and received on both levels.
     */
    public static NativeSocket dualStackUdp() throws ErrnoException {
        NativeSocket s = open(true, Kind.DGRAM, IPPROTO_UDP);
        try {
            s.setInt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
        } catch (ErrnoException e) {
            s.close();
            throw e;
        }
        s.dualStack = true;
        return s;
    }

    public boolean ipv6() {
        return ipv6;
    }

    public void setInt(int level, int option, int value) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            LibC.setsockopt(fd, level, option, v);
        }
    }

    public int getInt(int level, int option) throws ErrnoException {
        return LibC.getsockoptInt(fd, level, option);
    }

    /** IP_TTL (IPv4) or IPV6_UNICAST_HOPS (IPv6) for what this socket sends next. */
    public void setTtl(int ttl) throws ErrnoException {
        if (ipv6) setInt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
        else setInt(IPPROTO_IP, IP_TTL, ttl);
    }

    /** The TOS byte / traffic class; {@code dscp << 2} for a DSCP code point. */
    public void setTos(int tos) throws ErrnoException {
        if (ipv6) setInt(IPPROTO_IPV6, IPV6_TCLASS, tos);
        if (!ipv6 || dualStack) setInt(IPPROTO_IP, IP_TOS, tos); // IPv4 packets of a dual-stack socket
    }

    /** IP_RECVERR / IPV6_RECVERR: ICMP errors about sent datagrams are queued for {@code receive(.., true)}. */
    public void enableErrorQueue() throws ErrnoException {
        if (ipv6) setInt(IPPROTO_IPV6, IPV6_RECVERR, 1);
        else setInt(IPPROTO_IP, IP_RECVERR, 1);
    }

    /** IP_RECVTOS / IPV6_RECVTCLASS: {@link Received#tos()} carries the TOS byte of each datagram read. */
    public void enableReceiveTos() throws ErrnoException {
        if (ipv6) setInt(IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
        if (!ipv6 || dualStack) setInt(IPPROTO_IP, IP_RECVTOS, 1);
    }

    /** IP_RECVTTL / IPV6_RECVHOPLIMIT: {@link Received#ttl()} carries the TTL each datagram arrived with. */
    public void enableReceiveTtl() throws ErrnoException {
        if (ipv6) setInt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
        else setInt(IPPROTO_IP, IP_RECVTTL, 1);
    }

    /**
     * SO_TIMESTAMPNS: {@link Received#atNanos()} becomes the kernel's arrival time of the datagram rather than the
     * moment this process read it, so a busy reader does not inflate round-trip times.
     */
    public void enableArrivalTimestamps() throws ErrnoException {
        setInt(LibC.SOL_SOCKET, SO_TIMESTAMPNS, 1);
    }

    /**
     * A receive buffer of {@code bytes}: SO_RCVBUFFORCE (root may exceed net.core.rmem_max), else SO_RCVBUF (capped
     * at rmem_max). A raw socket receives a copy of every packet of its protocol on the host, so under load a small
     * buffer would drop answers and show them as loss.
     */
    public void setReceiveBuffer(int bytes) throws ErrnoException {
        try {
            setInt(LibC.SOL_SOCKET, SO_RCVBUFFORCE, bytes);
        } catch (ErrnoException e) {
            setInt(LibC.SOL_SOCKET, SO_RCVBUF, bytes);
        }
    }

    /**
     * SO_ATTACH_FILTER: a classic BPF program (one {@code {code, jt, jf, k}} per instruction) the kernel runs on each
     * packet before queueing it, so a raw socket only receives what its prober can match. Packets queued before the
     * filter was attached are discarded.
     */
    public void attachFilter(int[][] program) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment insns = a.allocate(8L * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                insns.set(JAVA_SHORT, 8L * i, (short) program[i][0]);
                insns.set(JAVA_BYTE, 8L * i + 2, (byte) program[i][1]);
                insns.set(JAVA_BYTE, 8L * i + 3, (byte) program[i][2]);
                insns.set(JAVA_INT, 8L * i + 4, program[i][3]);
            }
            MemorySegment fprog = a.allocate(16, 8);
            fprog.set(JAVA_SHORT, 0, (short) program.length);
            fprog.set(ADDRESS, 8, insns);
            LibC.setsockopt(fd, LibC.SOL_SOCKET, SO_ATTACH_FILTER, fprog);
        }
        // what arrived between socket() and now passed no filter: drop it
        while (receiveNow(false) != null) {
            // drained
        }
    }

    /** IP_MTU_DISCOVER: e.g. {@link #IP_PMTUDISC_PROBE} sends with DF set, ignoring the cached path MTU. */
    public void setMtuDiscover(int mode) throws ErrnoException {
        if (ipv6) setInt(IPPROTO_IPV6, IPV6_MTU_DISCOVER, mode);
        else setInt(IPPROTO_IP, IP_MTU_DISCOVER, mode);
    }

    /** IP_MTU: the kernel's path MTU of a connected socket. */
    public int pathMtu() throws ErrnoException {
        return ipv6 ? getInt(IPPROTO_IPV6, IPV6_MTU) : getInt(IPPROTO_IP, IP_MTU);
    }

    public void bind(InetAddress address, int port) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            LibC.bind(fd, sockaddr(a, address, port));
        }
    }

    /** For datagram sockets: fixes the peer (so IP_MTU and connected-socket errors work). */
    public void connect(InetAddress address, int port) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            LibC.connect(fd, sockaddr(a, address, port));
        }
    }

    /** The local address and port the kernel chose. */
    public java.net.InetSocketAddress localAddress() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(28, 8);
            LibC.getsockname(fd, s);
            return new java.net.InetSocketAddress(address(s), port(s));
        }
    }

    /** Sends one datagram (for raw sockets: the transport header and payload; the kernel writes the IP header). */
    public void sendTo(byte[] data, InetAddress address, int port) throws ErrnoException {
        if (data.length > sendBuffer.byteSize()) throw new IllegalArgumentException(data.length + " bytes");
        MemorySegment.copy(data, 0, sendBuffer, JAVA_BYTE, 0, data.length);
        MemorySegment to = address == null ? MemorySegment.NULL
                : dualStack && address instanceof Inet4Address v4 ? mappedSockaddr(sendName, v4, port)
                : sockaddr(sendName, address, port);
        LibC.sendto(fd, sendBuffer.asSlice(0, data.length), 0, to);
    }

    /**
     * Waits up to {@code timeoutMillis} for one datagram (or, with {@code errorQueue}, one queued error) and reads it.
     *
     * @return null when nothing came in time
     */
    public Received receive(int timeoutMillis, boolean errorQueue) throws ErrnoException {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, errorQueue ? LibC.POLLERR : LibC.POLLIN);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        int ready;
        try {
            ready = LibC.poll(pollfd, 1, Math.max(0, timeoutMillis));
        } catch (ErrnoException e) {
            if (e.errno() == LibC.EINTR) return null;
            throw e;
        }
        if (ready == 0) return null;
        short revents = pollfd.get(JAVA_SHORT, 6);
        if (errorQueue && (revents & LibC.POLLERR) == 0) return null;
        return receiveNow(errorQueue);
    }

    /**
     * Waits up to {@code timeoutMillis} until one of {@code sockets} has a datagram or (with {@code errors}) a queued
     * error; returns its index, or -1 on timeout.
     */
    public static int awaitAny(java.util.List<NativeSocket> sockets, boolean errors, int timeoutMillis)
            throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8L * sockets.size(), 8);
            for (int i = 0; i < sockets.size(); i++) {
                fds.set(JAVA_INT, 8L * i, sockets.get(i).fd);
                fds.set(JAVA_SHORT, 8L * i + 4, (short) (LibC.POLLIN | (errors ? LibC.POLLERR : 0)));
            }
            int ready;
            try {
                ready = LibC.poll(fds, sockets.size(), Math.max(0, timeoutMillis));
            } catch (ErrnoException e) {
                if (e.errno() == LibC.EINTR) return -1;
                throw e;
            }
            if (ready <= 0) return -1;
            for (int i = 0; i < sockets.size(); i++) if (fds.get(JAVA_SHORT, 8L * i + 6) != 0) return i;
            return -1;
        }
    }

    /** Reads without waiting; null when nothing is queued. */
    public Received receiveNow(boolean errorQueue) throws ErrnoException {
        try {
            return read(errorQueue, LibC.MSG_DONTWAIT);
        } catch (ErrnoException e) {
            if (e.errno() == LibC.EAGAIN) return null;
            throw e;
        }
    }

    private Received read(boolean errorQueue, int extraFlags) throws ErrnoException {
        iov.set(ADDRESS, 0, buffer);
        iov.set(JAVA_LONG, 8, buffer.byteSize());
        name.fill((byte) 0);
        msghdr.fill((byte) 0);
        msghdr.set(ADDRESS, 0, name);
        msghdr.set(JAVA_INT, 8, (int) name.byteSize());
        msghdr.set(ADDRESS, 16, iov);
        msghdr.set(JAVA_LONG, 24, 1L);
        msghdr.set(ADDRESS, 32, control);
        msghdr.set(JAVA_LONG, 40, control.byteSize());
        long n = LibC.recvmsg(fd, msghdr, extraFlags | (errorQueue ? LibC.MSG_ERRQUEUE : 0));
        long at = System.nanoTime();
        java.time.Instant readAt = java.time.Instant.now();
        byte[] data = buffer.asSlice(0, Math.min(n, buffer.byteSize())).toArray(JAVA_BYTE);
        InetAddress from = msghdr.get(JAVA_INT, 8) > 0 ? addressOrNull(name) : null;
        int fromPort = from != null ? port(name) : -1;
        long controlLen = msghdr.get(JAVA_LONG, 40);
        Cmsgs c = parseCmsgs(control, controlLen);
        if (c.arrivalEpochNanos > 0) {
            // map the kernel's wall-clock arrival stamp onto the monotonic clock through the queueing delay
            long queued = (readAt.getEpochSecond() * 1_000_000_000L + readAt.getNano()) - c.arrivalEpochNanos;
            if (queued > 0 && queued < 60_000_000_000L) at -= queued;
        }
        return new Received(data, from, fromPort, at, c.tos, c.ttl, c.error);
    }

    private record Cmsgs(int tos, int ttl, ExtendedError error, long arrivalEpochNanos) {}

    /** Walks the cmsghdr chain: {size_t len; int level; int type; data aligned to 8}. */
    private static Cmsgs parseCmsgs(MemorySegment control, long length) {
        int tos = -1, ttl = -1;
        ExtendedError error = null;
        long arrival = 0;
        long off = 0;
        while (off + 16 <= length) {
            long len = control.get(JAVA_LONG, off);
            if (len < 16 || off + len > length) break;
            int level = control.get(JAVA_INT, off + 8);
            int type = control.get(JAVA_INT, off + 12);
            long data = off + 16;
            if (level == LibC.SOL_SOCKET && type == SO_TIMESTAMPNS) {
                arrival = control.get(JAVA_LONG, data) * 1_000_000_000L + control.get(JAVA_LONG, data + 8);
            } else if (level == IPPROTO_IP && type == IP_TOS) tos = control.get(JAVA_BYTE, data) & 0xff;
            else if (level == IPPROTO_IP && type == IP_TTL) ttl = control.get(JAVA_INT, data);
            else if (level == IPPROTO_IPV6 && type == IPV6_TCLASS) tos = control.get(JAVA_INT, data);
            else if (level == IPPROTO_IPV6 && type == IPV6_HOPLIMIT) ttl = control.get(JAVA_INT, data);
            else if ((level == IPPROTO_IP && type == IP_RECVERR) || (level == IPPROTO_IPV6 && type == IPV6_RECVERR)) {
                // struct sock_extended_err { u32 errno; u8 origin, type, code, pad; u32 info; u32 data; }
                // followed by the offender's sockaddr (SO_EE_OFFENDER)
                int errno = control.get(JAVA_INT, data);
                int origin = control.get(JAVA_BYTE, data + 4) & 0xff;
                int eType = control.get(JAVA_BYTE, data + 5) & 0xff;
                int eCode = control.get(JAVA_BYTE, data + 6) & 0xff;
                int info = control.get(JAVA_INT, data + 8);
                InetAddress offender = len >= 16 + 16 + 16 ? addressOrNull(control.asSlice(data + 16, len - 32)) : null;
                error = new ExtendedError(errno, origin, eType, eCode, info, offender);
            }
            off += (len + 7) & ~7L;
        }
        return new Cmsgs(tos, ttl, error, arrival);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        LibC.close(fd);
        arena.close();
    }

    // ---- sockaddr ----------------------------------------------------------------------------------------

    static MemorySegment sockaddr(Arena a, InetAddress address, int port) {
        return sockaddr(a.allocate(28, 4), address, port);
    }

    /** Writes a sockaddr_in / sockaddr_in6 into {@code into} (28 bytes); returns the slice of its length. */
    static MemorySegment sockaddr(MemorySegment into, InetAddress address, int port) {
        byte[] raw = address.getAddress();
        into.fill((byte) 0);
        MemorySegment s = into.asSlice(0, raw.length == 4 ? 16 : 28);
        s.set(JAVA_SHORT, 0, (short) (raw.length == 4 ? LibC.AF_INET : LibC.AF_INET6));
        s.set(JAVA_BYTE, 2, (byte) (port >> 8));
        s.set(JAVA_BYTE, 3, (byte) port);
        if (raw.length == 4) {
            MemorySegment.copy(raw, 0, s, JAVA_BYTE, 4, 4);
        } else {
            MemorySegment.copy(raw, 0, s, JAVA_BYTE, 8, 16);
            if (address instanceof Inet6Address v6) s.set(JAVA_INT, 24, v6.getScopeId());
        }
        return s;
    }

    /** sockaddr_in6 of ::ffff:a.b.c.d, how an AF_INET6 socket addresses an IPv4 peer. */
    private static MemorySegment mappedSockaddr(MemorySegment into, Inet4Address address, int port) {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
        into.fill((byte) 0);
        MemorySegment s = into.asSlice(0, 28);
        s.set(JAVA_SHORT, 0, (short) LibC.AF_INET6);
        s.set(JAVA_BYTE, 2, (byte) (port >> 8));
        s.set(JAVA_BYTE, 3, (byte) port);
        MemorySegment.copy(mapped, 0, s, JAVA_BYTE, 8, 16);
        return s;
    }

    private static int port(MemorySegment s) {
        return ((s.get(JAVA_BYTE, 2) & 0xff) << 8) | (s.get(JAVA_BYTE, 3) & 0xff);
    }

    private static InetAddress addressOrNull(MemorySegment s) {
        try {
            return address(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static InetAddress address(MemorySegment s) {
        short family = s.get(JAVA_SHORT, 0);
        try {
            if (family == LibC.AF_INET) return Inet4Address.getByAddress(s.asSlice(4, 4).toArray(JAVA_BYTE));
            if (family == LibC.AF_INET6) return Inet6Address.getByAddress(s.asSlice(8, 16).toArray(JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        throw new IllegalArgumentException("address family " + family);
    }
}
