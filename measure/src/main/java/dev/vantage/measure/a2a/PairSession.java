package dev.vantage.measure.a2a;

import dev.vantage.measure.RunContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The source's half of an agent-to-agent round against a {@link Responder} (methods.md "Agent-to-agent", §9.3):
 * contact (the target's task may start a moment after ours, so the first SYNC is repeated until answered), a
 * 5+5-packet clock-sync preamble (five SYNC exchanges and their five answers), then {@link #PROBES} probes paced at
 * 1.5 × the smallest sync round trip (kept within 5–100 ms), then END, which gives the target the offset estimate
 * and the number of probes sent and brings back how many probes it received and answered. Every probe is reflected,
 * so one run yields both directions: source → target at the target (its receive log) and target → source here
 * (the reflected stream).
 */
public final class PairSession {
    public static final int PROBES = 50;
    static final int SYNC_EXCHANGES = 5;
    static final long CONTACT_RETRY_NANOS = 250_000_000L;
    static final long SYNC_WAIT_NANOS = 500_000_000L;
    static final long MIN_GAP_NANOS = 5_000_000L, MAX_GAP_NANOS = 100_000_000L;
    static final int END_ATTEMPTS = 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A probe's four times (T3/T4 zero when no reply came back). */
    public record Probe(int seq, long t1, long t2, long t3, long t4, int reflectorSeq) {}

    /**
     * What the source saw. {@code error} is set when the target never answered (then nothing else is).
     * {@code targetReceived}/{@code targetReplied} come from the END answer; null when it never came.
     */
    public record Outcome(String protocol, InetSocketAddress target, InetAddress localAddress, String error,
                          ClockOffset clock, int sent, List<Probe> replies, Integer targetReceived,
                          Integer targetReplied, int duplicates, Double targetThroughputMbps) {
        public boolean reached() {
            return error == null;
        }
    }

    private final ProbePacket.Key key;
    private final int agentId;
    private final int packetSize;
    /** A session is bound to the address:port that opened it, so a new TCP connection starts a new session. */
    private long sessionId = RANDOM.nextLong();
    private int seq;
    private int dscp;
    private long throughputMillis;
    private Integer throughputRateMbps;
    static final int BULK_SIZE = 1400;
    static final int DEFAULT_UDP_RATE_MBPS = 10;

    public PairSession(ProbePacket.Key key, int agentId) {
        this(key, agentId, ProbePacket.MIN_SIZE);
    }

    PairSession(ProbePacket.Key key, int agentId, int packetSize) {
        this.key = key;
        this.agentId = agentId;
        this.packetSize = packetSize;
    }

    /**
     * Adds a throughput phase after the probes: TCP sends as fast as the connection takes for {@code millis}; UDP
     * sends at {@code rateMbps} (null or 0: {@value #DEFAULT_UDP_RATE_MBPS} Mbit/s). The target measures what arrives.
     */
    public PairSession withThroughput(long millis, Integer rateMbps) {
        this.throughputMillis = millis;
        this.throughputRateMbps = rateMbps;
        return this;
    }

    /**
     * @param contactNanos how long to keep knocking before giving up on the target
     */
    public Outcome run(InetSocketAddress target, String protocol, InetAddress source, int dscp, long contactNanos,
                       RunContext ctx) throws InterruptedException {
        this.dscp = dscp;
        long contactEnd = Math.min(System.nanoTime() + contactNanos, ctx.deadlineNanos());
        List<ClockOffset.Exchange> sync = new ArrayList<>();
        Map<Integer, Long> syncSent = new LinkedHashMap<>();
        Link link = null;
        String lastError = "no answer";
        try {
            // contact: the first answered SYNC
            while (sync.isEmpty() && System.nanoTime() < contactEnd) {
                if (link == null) {
                    try {
                        link = protocol.equals("UDP") ? Link.udp(target, source, dscp)
                                : Link.tcp(target, source, dscp, (int) Math.max(1, Math.min(2000, (contactEnd - System.nanoTime()) / 1_000_000)));
                    } catch (IOException e) {
                        lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                        pause(contactEnd);
                        continue;
                    }
                }
                if (!(link instanceof Link.Tcp) || syncSent.isEmpty()) sendSync(link, syncSent);
                collect(link, Math.min(contactEnd, System.nanoTime() + CONTACT_RETRY_NANOS), sync, syncSent, null,
                        null, true);
                if (sync.isEmpty() && link instanceof Link.Tcp tcp && tcp.ended()) {
                    // the responder closes a connection whose first message it could not verify (not our round yet)
                    tcp.close();
                    link = null;
                    syncSent.clear();
                    sessionId = RANDOM.nextLong();
                    lastError = "connection closed without an answer";
                    pause(contactEnd);
                }
            }
            if (sync.isEmpty()) {
                return new Outcome(protocol, target, null, "target " + label(target) + " did not answer over "
                        + protocol + " within " + contactNanos / 1_000_000_000L + " s (" + lastError + ")",
                        null, 0, List.of(), null, null, 0, null);
            }
            // the rest of the preamble
            int attempts = 0;
            while (sync.size() < SYNC_EXCHANGES && attempts++ < 3 * SYNC_EXCHANGES && !ctx.expired()) {
                sendSync(link, syncSent);
                collect(link, Math.min(ctx.deadlineNanos(), System.nanoTime() + SYNC_WAIT_NANOS), sync, syncSent,
                        null, null, true);
            }
            ClockOffset clock = ClockOffset.estimate(sync);
            long minRtt = Math.max(0, 2 * clock.errorBoundNanos());
            long gap = Math.clamp(minRtt * 3 / 2, MIN_GAP_NANOS, MAX_GAP_NANOS);

            // the probes
            Map<Integer, Probe> replies = new LinkedHashMap<>();
            Map<Integer, Long> probeSent = new LinkedHashMap<>();
            int[] duplicates = {0};
            long next = System.nanoTime();
            int sent = 0;
            for (int i = 1; i <= PROBES && !ctx.expired(); i++) {
                long t1 = Stamp.now();
                int s = ++seq;
                probeSent.put(s, t1);
                send(link, ProbePacket.PROBE, s, t1, 0, 0, 0);
                sent++;
                next += gap;
                collectProbes(link, next, replies, probeSent, duplicates);
            }
            // stragglers: up to 3 × the largest round trip seen, at least half a second
            long maxRtt = replies.values().stream().mapToLong(p -> (p.t4() - p.t1()) - (p.t3() - p.t2())).max().orElse(0);
            long drainUntil = Math.min(ctx.deadlineNanos(), System.nanoTime() + Math.max(500_000_000L, 3 * maxRtt));
            while (replies.size() < sent && System.nanoTime() < drainUntil) {
                collectProbes(link, drainUntil, replies, probeSent, duplicates);
            }

            if (throughputMillis > 0 && !ctx.expired()) bulk(link, ctx);

            // END: the offset for the target's one-way delays; back come its counts
            long[] end = null;
            for (int i = 0; i < END_ATTEMPTS && end == null && !ctx.expired(); i++) {
                send(link, ProbePacket.END, ++seq, Stamp.now(), clock.offsetNanos(), clock.errorBoundNanos(), sent);
                long[] got = new long[3];
                boolean[] seen = {false};
                collect(link, Math.min(ctx.deadlineNanos(), System.nanoTime() + SYNC_WAIT_NANOS), sync, syncSent,
                        got, seen, false);
                if (seen[0]) end = got;
            }
            return new Outcome(protocol, target, link.localAddress(), null, clock, sent, List.copyOf(replies.values()),
                    end == null ? null : (int) end[0], end == null ? null : (int) end[1], duplicates[0],
                    end == null || end[2] <= 0 ? null : end[2] / 1000.0);
        } catch (IOException e) {
            return new Outcome(protocol, target, null, "session with " + label(target) + " failed: " + e.getMessage(),
                    null, 0, List.of(), null, null, 0, null);
        } finally {
            if (link != null) link.close();
        }
    }

    /** Throughput data, source → target: BULK packets the responder counts and never answers. */
    private void bulk(Link link, RunContext ctx) throws IOException {
        long start = System.nanoTime();
        long end = Math.min(ctx.deadlineNanos() - 2_000_000_000L, start + throughputMillis * 1_000_000L);
        boolean paced = link instanceof Link.Udp;
        int rate = throughputRateMbps == null || throughputRateMbps <= 0 ? DEFAULT_UDP_RATE_MBPS : throughputRateMbps;
        double bytesPerNano = rate * 1e6 / 8 / 1e9;
        long sentBytes = 0;
        int bulkSeq = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) break;
            if (paced && sentBytes >= (now - start) * bytesPerNano) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                continue;
            }
            link.send(key.seal(new byte[BULK_SIZE], new ProbePacket.Fields(ProbePacket.BULK, key.id(), sessionId,
                    agentId, ++bulkSeq, Stamp.now(), 0, 0, 0, 0, 0, 0)));
            sentBytes += BULK_SIZE;
        }
    }

    private static void pause(long until) throws InterruptedException {
        long left = Math.min(CONTACT_RETRY_NANOS, until - System.nanoTime());
        if (left > 0) Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
    }

    private void sendSync(Link link, Map<Integer, Long> syncSent) throws IOException {
        long t1 = Stamp.now();
        int s = ++seq;
        syncSent.put(s, t1);
        send(link, ProbePacket.SYNC, s, t1, 0, 0, 0);
    }

    private void send(Link link, int type, int s, long t1, long a, long b, int c) throws IOException {
        link.send(key.seal(new byte[packetSize], new ProbePacket.Fields(type, key.id(), sessionId, agentId, s, t1,
                0, 0, 0, a, b, c), dscp));
    }

    /** Reads replies until {@code until}; SYNC answers go to {@code sync}, an END answer to {@code end}. */
    private void collect(Link link, long until, List<ClockOffset.Exchange> sync, Map<Integer, Long> syncSent,
                         long[] end, boolean[] endSeen, boolean stopOnSync) throws InterruptedException {
        int before = sync.size();
        while (true) {
            Link.Arrival a = link.receive(until - System.nanoTime());
            if (a == null) return;
            ProbePacket.Fields f = verified(a);
            if (f == null) continue;
            if (f.kind() == ProbePacket.SYNC) {
                Long t1 = syncSent.remove(f.senderSeq());
                if (t1 != null) sync.add(new ClockOffset.Exchange(t1, f.t2(), f.t3(), a.t4()));
                if (stopOnSync && sync.size() > before) return;
            } else if (f.kind() == ProbePacket.END && end != null) {
                end[0] = f.a();
                end[1] = f.b();
                end[2] = f.c();
                endSeen[0] = true;
                return;
            }
        }
    }

    private void collectProbes(Link link, long until, Map<Integer, Probe> replies, Map<Integer, Long> probeSent,
                               int[] duplicates) throws InterruptedException {
        while (true) {
            Link.Arrival a = link.receive(until - System.nanoTime());
            if (a == null) return;
            ProbePacket.Fields f = verified(a);
            if (f == null || f.kind() != ProbePacket.PROBE) continue;
            Long t1 = probeSent.get(f.senderSeq());
            if (t1 == null) continue;
            if (replies.putIfAbsent(f.senderSeq(), new Probe(f.senderSeq(), t1, f.t2(), f.t3(), a.t4(),
                    f.reflectorSeq())) != null) {
                duplicates[0]++;
            }
        }
    }

    private ProbePacket.Fields verified(Link.Arrival a) {
        ProbePacket.Fields f = key.open(a.packet(), a.packet().length);
        if (f == null || !f.isReply() || f.sessionId() != sessionId || a.packet().length != packetSize) return null;
        return f;
    }

    static String label(InetSocketAddress target) {
        String host = target.getAddress() != null ? target.getAddress().getHostAddress() : target.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + target.getPort();
    }
}
