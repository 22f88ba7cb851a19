package dev.vantage.measure.a2a;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What a responder saw of one round (one token): the sessions the sources opened, and for each the probes received
 * with their send and receive times, so the target can compute the one-way metrics of the source → target direction.
 * It also decides what is answered: only packets sealed with the round's key, each (session, type, sequence) once,
 * a session only from the address that opened it, and never more than {@link #MAX_PACKETS} per session.
 */
public final class RoundLog {
    static final int MAX_SESSIONS = 64;
    static final int MAX_PACKETS = 4096;

    /** One probe as the target received it: the source's T1 and the target's T2. */
    public record Received(int seq, long t1, long t2) {}

    /** One source's session. Times are nanoseconds on each side's {@link Stamp} clock. */
    public static final class Session {
        public final long sessionId;
        public final int sourceAgentId;
        public final SocketAddress peer;
        public final String protocol;
        final List<Received> probes = new ArrayList<>();
        final Set<Long> seen = new HashSet<>();
        int probeReplies;
        boolean ended;
        long offsetNanos, errorBoundNanos;
        int probesSent;
        long bulkBytes, bulkFirstSize, bulkFirst, bulkLast;
        int bulkLastSeq;

        Session(long sessionId, int sourceAgentId, SocketAddress peer, String protocol) {
            this.sessionId = sessionId;
            this.sourceAgentId = sourceAgentId;
            this.peer = peer;
            this.protocol = protocol;
        }

        public synchronized List<Received> probes() {
            return List.copyOf(probes);
        }

        public synchronized boolean ended() {
            return ended;
        }

        /** The source's clock offset estimate (target − source) and its bound, as the END packet carried them. */
        public synchronized long offsetNanos() {
            return offsetNanos;
        }

        public synchronized long errorBoundNanos() {
            return errorBoundNanos;
        }

        public synchronized int probesSent() {
            return probesSent;
        }

        /** Throughput received (Mbit/s) from the first to the last BULK packet, or null without two of them. */
        public synchronized Double throughputMbps() {
            long span = bulkLast - bulkFirst;
            if (span <= 0) return null;
            return (bulkBytes - bulkFirstSize) * 8.0 / span * 1000.0;
        }
    }

    /** Accepted, and nothing to send back (BULK). */
    static final byte[] NO_REPLY = new byte[0];

    private final ProbePacket.Key key;
    private final Map<Long, Session> sessions = new LinkedHashMap<>();

    RoundLog(ProbePacket.Key key) {
        this.key = key;
    }

    private volatile Tap tap;

    public ProbePacket.Key key() {
        return key;
    }

    /** From now on, the non-probe datagrams on the responder's UDP port (a voice stream) are kept for this round. */
    public synchronized Tap openTap() {
        if (tap == null) tap = new Tap();
        return tap;
    }

    Tap tap() {
        return tap;
    }

    /**
     * Waits until at least {@code count} sessions have ended (their END arrived) or {@code untilNanos} passes.
     *
     * @return how many have ended
     */
    public synchronized long awaitEndedSessions(long count, long untilNanos) throws InterruptedException {
        long ended;
        while ((ended = endedSessions()) < count) {
            long left = untilNanos - System.nanoTime();
            if (left <= 0) break;
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return ended;
    }

    public synchronized List<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    public synchronized long endedSessions() {
        return sessions.values().stream().filter(Session::ended).count();
    }

    /**
     * The reply to a verified packet (same length as {@code length}); {@link #NO_REPLY} for throughput data; null when
     * it must be dropped.
     */
    byte[] answer(ProbePacket.Fields f, int length, SocketAddress from, String protocol, long t2, int dscp) {
        byte[] out;
        synchronized (this) {
            Session s = sessions.get(f.sessionId());
            if (s == null) {
                if (f.kind() != ProbePacket.SYNC || sessions.size() >= MAX_SESSIONS) return null;
                s = new Session(f.sessionId(), f.sourceAgentId(), from, protocol);
                sessions.put(f.sessionId(), s);
            } else if (!s.peer.equals(from) || !s.protocol.equals(protocol)) {
                return null;
            }
            long a = 0, b = 0;
            int reflectorSeq = 0, c = 0;
            synchronized (s) {
                if (f.kind() == ProbePacket.BULK) {
                    // throughput data: counted, never answered; replays are refused by an increasing sequence
                    if (s.ended || f.senderSeq() <= s.bulkLastSeq) return null;
                    s.bulkLastSeq = f.senderSeq();
                    if (s.bulkBytes == 0) {
                        s.bulkFirst = t2;
                        s.bulkFirstSize = length;
                    }
                    s.bulkBytes += length;
                    s.bulkLast = t2;
                    return NO_REPLY;
                }
                if (s.seen.size() >= MAX_PACKETS) return null;
                if (!s.seen.add(((long) f.type() << 32) | (f.senderSeq() & 0xffffffffL))) return null; // replay
                switch (f.kind()) {
                    case ProbePacket.PROBE -> {
                        s.probes.add(new Received(f.senderSeq(), f.t1(), t2));
                        reflectorSeq = ++s.probeReplies;
                    }
                    case ProbePacket.END -> {
                        if (!s.ended) {
                            s.ended = true;
                            s.offsetNanos = f.a();
                            s.errorBoundNanos = f.b();
                            s.probesSent = f.c();
                            notifyAll(); // wakes awaitEndedSessions (this method holds the log's monitor)
                        }
                        a = s.probes.size();
                        b = s.probeReplies;
                        Double mbps = s.throughputMbps();
                        c = mbps == null ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.round(mbps * 1000));
                    }
                    default -> { }
                }
            }
            out = key.seal(new byte[length], new ProbePacket.Fields(f.type() | ProbePacket.REPLY, key.id(),
                    f.sessionId(), f.sourceAgentId(), f.senderSeq(), f.t1(), reflectorSeq, t2, Stamp.now(), a, b, c),
                    dscp);
        }
        return out;
    }
}
