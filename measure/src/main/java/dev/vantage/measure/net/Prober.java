package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/**
 * One way of sending TTL-limited probes toward a target and matching what comes back to the probe that caused it,
 * by the header the answer quotes (never by arrival order). A flow is one five-tuple: every probe of a flow hashes to
 * the same ECMP branch; the probe's {@code seq} is carried where load balancers do not look.
 */
sealed interface Prober extends AutoCloseable permits IcmpProber, PingProber, TcpSynProber, SackProber, UdpProber, InSessionProber {

    /** How the probes are made, for the record, e.g. {@code TCP SYN (raw socket)}. */
    String method();

    /** Sends probe {@code seq} (unique in this prober, below 65536) on {@code flow} with the given TTL. */
    void send(int flow, int ttl, int seq) throws IOException;

    /** The next answer to one of this prober's probes, or null when none came before {@code untilNanos}. */
    Reply next(long untilNanos) throws IOException;

    @Override
    void close();

    enum Kind {
        /** an intermediate hop said the TTL expired */
        HOP,
        /** the target itself answered (echo reply, SYN/ACK, RST, or port unreachable to a UDP probe) */
        DESTINATION,
        /** some node said the target cannot be reached (ICMP unreachable): the trace ends there */
        UNREACHABLE
    }

    /** @param mpls the MPLS label stack the hop quoted, or null */
    record Reply(int seq, InetAddress from, Kind kind, long atNanos, String mpls) {}

    /** Reads what one socket received and returns the reply it is to one of our probes, or null. */
    @FunctionalInterface
    interface Matcher {
        Reply match(Received received) throws IOException;
    }

    /**
     * The next reply from either of two sockets (e.g. the raw TCP socket for the target's answers and the raw ICMP
     * socket for routers' errors), or null when none came before {@code untilNanos}.
     */
    static Reply nextOf(NativeSocket a, Matcher matchA,
                        NativeSocket b, Matcher matchB, long untilNanos) throws IOException {
        List<NativeSocket> both = List.of(a, b);
        while (System.nanoTime() < untilNanos) {
            int ready = NativeSocket.awaitAny(both, false,
                    (int) Math.max(1, millisLeft(untilNanos)));
            if (ready < 0) return null;
            var received = both.get(ready).receiveNow(false);
            if (received == null) continue;
            Reply reply = (ready == 0 ? matchA : matchB).match(received);
            if (reply != null) return reply;
        }
        return null;
    }

    static long millisLeft(long untilNanos) {
        return Math.max(0, (untilNanos - System.nanoTime()) / 1_000_000L);
    }
}
