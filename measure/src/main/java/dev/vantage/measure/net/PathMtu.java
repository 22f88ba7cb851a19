package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.ErrnoException;
import dev.vantage.measure.net.sys.ExtendedError;
import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Path MTU discovery as tracepath does it, without privilege (methods.md §9.2, RFC 1191/8201): UDP datagrams with
 * DF set ({@code IP_PMTUDISC_PROBE}, so the kernel's cached PMTU does not shrink them first) sized to the MTU
 * believed so far; a router that cannot forward one answers "fragmentation needed" / "packet too big", which the
 * error queue hands back as EMSGSIZE with the next-hop MTU in {@code ee_info}. The MTU is confirmed when a datagram
 * of that size reaches the target (its port unreachable answer). Each size gets three tries against loss.
 */
final class PathMtu {
    private PathMtu() {}

    static final int TRIES_PER_SIZE = 3;
    static final int ANSWER_WAIT_MILLIS = 1_000;
    private static final int MIN_IPV4_MTU = 68, MAX_STEPS = 16, MAX_IP_PACKET = 65_535;

    /** @param mtu confirmed path MTU, or null (then {@code error} says why); {@code reportedBy} the limiting hop */
    record Result(Integer mtu, String reportedBy, String error) {}

    static Result discover(InetAddress target, InetAddress source, long untilNanos) {
        boolean v6 = target.getAddress().length == 16;
        int headers = v6 ? 48 : 28;
        try (NativeSocket s = NativeSocket.open(v6, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP)) {
            s.enableErrorQueue();
            s.setMtuDiscover(NativeSocket.IP_PMTUDISC_PROBE);
            if (source != null) s.bind(source, 0);
            s.connect(target, UdpProber.TRACE_PORT);
            // start from the outgoing interface's MTU, not the kernel's cached path MTU: a cached value from an
            // earlier round would hide the hop that limits the path
            int mtu = Math.min(MAX_IP_PACKET, interfaceMtu(s.localAddress().getAddress(), s.pathMtu()));
            String reportedBy = null;
            int tries = 0;
            for (int step = 0; step < MAX_STEPS * TRIES_PER_SIZE && System.nanoTime() < untilNanos; step++) {
                try {
                    UdpProber.sendThroughPendingErrors(s, new byte[mtu - headers], null, 0);
                } catch (ErrnoException e) {
                    if (e.errno() != ErrnoException.EMSGSIZE) throw e;
                    mtu = Math.min(mtu - 1, s.pathMtu()); // larger than a local link or the kernel's PMTU allows
                    continue;
                }
                Received r = s.receive((int) Math.min(ANSWER_WAIT_MILLIS, Prober.millisLeft(untilNanos)), true);
                ExtendedError err = r == null ? null : r.error();
                if (err == null) {
                    if (++tries >= TRIES_PER_SIZE) {
                        return new Result(null, reportedBy, "path MTU not confirmed: the target did not answer a "
                                + mtu + "-byte datagram (UDP port " + UdpProber.TRACE_PORT + ") in " + tries + " tries");
                    }
                    continue;
                }
                if (err.errno() == ErrnoException.EMSGSIZE && err.info() >= MIN_IPV4_MTU && err.info() < mtu) {
                    mtu = err.info();
                    if (err.origin() != ExtendedError.ORIGIN_LOCAL && err.offender() != null) {
                        reportedBy = err.offender().getHostAddress();
                    }
                    tries = 0;
                } else if (err.errno() == ErrnoException.ECONNREFUSED && target.equals(err.offender())) {
                    return new Result(mtu, reportedBy, null);
                } else if (err.origin() == ExtendedError.ORIGIN_ICMP || err.origin() == ExtendedError.ORIGIN_ICMP6) {
                    if (err.type() == (err.origin() == ExtendedError.ORIGIN_ICMP6 ? 3 : Packets.ICMP_TIME_EXCEEDED)) continue;
                    return new Result(null, reportedBy, "path MTU not measured: "
                            + (err.offender() == null ? "a hop" : err.offender().getHostAddress())
                            + " answered ICMP type " + err.type() + " code " + err.code());
                }
            }
            return new Result(null, reportedBy, "path MTU not confirmed before the deadline");
        } catch (IOException e) {
            return new Result(null, null, "path MTU not measured: " + e.getMessage());
        }
    }

    private static int interfaceMtu(InetAddress local, int fallback) {
        try {
            java.net.NetworkInterface nif = java.net.NetworkInterface.getByInetAddress(local);
            return nif != null && nif.getMTU() > 0 ? Math.max(nif.getMTU(), fallback) : fallback;
        } catch (java.net.SocketException e) {
            return fallback;
        }
    }
}
