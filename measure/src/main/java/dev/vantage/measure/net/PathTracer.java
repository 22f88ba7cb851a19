package dev.vantage.measure.net;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Paris-style path traces (methods.md §9.1): each trace keeps one flow (one five-tuple) and probes TTL 1, 2, ...
 * with {@code probesPerTtl} probes per TTL; the traces of a round run side by side, TTL by TTL, each on its own flow
 * so that together they spread over ECMP branches. Answers are matched to probes by the header they quote. A trace
 * stops at the destination's answer, at an ICMP unreachable, after {@code silentHopLimit} silent TTLs in a row, or
 * at {@code maxHops}.
 */
final class PathTracer {
    private PathTracer() {}

    static final int PROBES_PER_TTL = 3;
    static final int MAX_HOPS = 30;
    static final int SILENT_HOP_LIMIT = 5;
    /** Wait for the answers of one TTL before anything was ever answered, and the bounds once RTTs are known. */
    static final long FIRST_WAIT_MILLIS = 1_000, MIN_WAIT_MILLIS = 200, MAX_WAIT_MILLIS = 1_000;
    /** One-sided z for "this hop lost significantly more than a later one" (95 %). */
    static final double RATE_LIMIT_Z = 1.645;

    record Settings(int traces, int probesPerTtl, int maxHops, int silentHopLimit) {
        static Settings of(int traces) {
            return new Settings(traces, PROBES_PER_TTL, MAX_HOPS, SILENT_HOP_LIMIT);
        }
    }

    /** One TTL of one trace: how many probes were sent, who answered and the round-trip times in ms. */
    record Slot(int ttl, int sent, List<Prober.Reply> answers, List<Double> rttsMillis) {
        double loss() {
            return 100.0 * (sent - answers.size()) / sent;
        }

        /** The address most answers came from (a per-packet balancer could make several). */
        InetAddress responder() {
            return answers.stream().collect(Collectors.groupingBy(Prober.Reply::from, LinkedHashMap::new, Collectors.counting()))
                    .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
        }
    }

    /** One trace: its slots TTL 1..n and whether the destination answered. */
    record Trace(int flow, List<Slot> slots, boolean reachedDestination, boolean unreachable) {}

    static List<Trace> run(Prober prober, Settings s, long untilNanos) throws IOException {
        record Sent(int flow, int ttl, long atNanos) {}
        Map<Integer, Sent> sent = new HashMap<>();
        Map<Integer, Prober.Reply> answered = new HashMap<>();
        boolean[] done = new boolean[s.traces()], reached = new boolean[s.traces()], unreachable = new boolean[s.traces()];
        int[] silent = new int[s.traces()], lastTtl = new int[s.traces()];
        int seq = 0;
        double maxRtt = -1;
        for (int ttl = 1; ttl <= s.maxHops() && System.nanoTime() < untilNanos; ttl++) {
            List<Integer> thisTtl = new ArrayList<>();
            for (int a = 0; a < s.probesPerTtl(); a++) {
                for (int flow = 0; flow < s.traces(); flow++) {
                    if (done[flow]) continue;
                    sent.put(seq, new Sent(flow, ttl, System.nanoTime()));
                    thisTtl.add(seq);
                    prober.send(flow, ttl, seq++);
                }
            }
            for (int flow = 0; flow < s.traces(); flow++) if (!done[flow]) lastTtl[flow] = ttl;
            long wait = maxRtt < 0 ? FIRST_WAIT_MILLIS : Math.clamp((long) (3 * maxRtt) + 50, MIN_WAIT_MILLIS, MAX_WAIT_MILLIS);
            long waitUntil = Math.min(untilNanos, System.nanoTime() + wait * 1_000_000L);
            while (!answered.keySet().containsAll(thisTtl)) {
                Prober.Reply r = prober.next(waitUntil);
                if (r == null) break;
                Sent p = sent.get(r.seq());
                if (p == null || answered.containsKey(r.seq())) continue; // not ours, or a duplicate
                answered.put(r.seq(), r);
                maxRtt = Math.max(maxRtt, (r.atNanos() - p.atNanos()) / 1e6);
            }
            for (int flow = 0; flow < s.traces(); flow++) {
                if (done[flow]) continue;
                final int f = flow, t = ttl;
                List<Prober.Reply> mine = thisTtl.stream().filter(q -> sent.get(q).flow() == f && answered.containsKey(q))
                        .map(answered::get).toList();
                if (mine.stream().anyMatch(r -> r.kind() == Prober.Kind.DESTINATION)) {
                    done[flow] = reached[flow] = true;
                } else if (mine.stream().anyMatch(r -> r.kind() == Prober.Kind.UNREACHABLE)) {
                    done[flow] = unreachable[flow] = true;
                } else if (mine.isEmpty()) {
                    if (++silent[flow] >= s.silentHopLimit()) done[flow] = true;
                } else {
                    silent[flow] = 0;
                }
                if (t == s.maxHops()) done[f] = true;
            }
            boolean all = true;
            for (boolean d : done) all &= d;
            if (all) break;
        }
        List<Trace> traces = new ArrayList<>();
        for (int flow = 0; flow < s.traces(); flow++) {
            List<Slot> slots = new ArrayList<>();
            for (int ttl = 1; ttl <= lastTtl[flow]; ttl++) {
                final int f = flow, t = ttl;
                List<Map.Entry<Integer, Sent>> probes = sent.entrySet().stream()
                        .filter(e -> e.getValue().flow() == f && e.getValue().ttl() == t)
                        .sorted(Map.Entry.comparingByKey()).toList();
                List<Prober.Reply> answers = new ArrayList<>();
                List<Double> rtts = new ArrayList<>();
                for (var e : probes) {
                    Prober.Reply r = answered.get(e.getKey());
                    if (r == null) continue;
                    answers.add(r);
                    rtts.add((r.atNanos() - e.getValue().atNanos()) / 1e6);
                }
                slots.add(new Slot(ttl, probes.size(), answers, rtts));
            }
            // silent TTLs after the last answer are not part of the path
            while (!slots.isEmpty() && slots.getLast().answers().isEmpty()) slots.removeLast();
            traces.add(new Trace(flow, slots, reached[flow], unreachable[flow]));
        }
        return traces;
    }

    /**
     * Which TTLs' loss is ICMP rate limiting rather than forwarding loss (methods.md §9.1): loss that does not persist
     * to a later hop. The traces of a round are pooled per TTL (a router's ICMP token bucket is shared by all flows
     * from this agent); a TTL is labelled when it lost significantly more (one-sided two-proportion z-test at 95 %)
     * than some later TTL that answered. Forwarding loss at a hop would show at every hop after it.
     *
     * @return the labelled TTLs
     */
    static java.util.Set<Integer> rateLimitedTtls(List<Trace> traces) {
        java.util.TreeMap<Integer, int[]> byTtl = new java.util.TreeMap<>(); // ttl -> {lost, sent}
        for (Trace t : traces) {
            for (Slot s : t.slots()) {
                int[] c = byTtl.computeIfAbsent(s.ttl(), k -> new int[2]);
                c[0] += s.sent() - s.answers().size();
                c[1] += s.sent();
            }
        }
        java.util.Set<Integer> out = new java.util.HashSet<>();
        for (var hop : byTtl.entrySet()) {
            int[] a = hop.getValue();
            if (a[0] == 0) continue;
            for (var later : byTtl.tailMap(hop.getKey(), false).values()) {
                if (later[0] < later[1] && significantlyMoreLoss(a[0], a[1], later[0], later[1])) {
                    out.add(hop.getKey());
                    break;
                }
            }
        }
        return out;
    }

    static boolean significantlyMoreLoss(int lostA, int sentA, int lostB, int sentB) {
        double pa = (double) lostA / sentA, pb = (double) lostB / sentB;
        if (pa <= pb) return false;
        double pooled = (double) (lostA + lostB) / (sentA + sentB);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / sentA + 1.0 / sentB));
        return se == 0 || (pa - pb) / se >= RATE_LIMIT_Z;
    }

    /** Reverse DNS names of {@code addresses}, each looked up at most until {@code untilNanos}; missing when none. */
    static Map<InetAddress, String> reverseDns(List<InetAddress> addresses, long untilNanos) {
        Map<InetAddress, String> names = new java.util.concurrent.ConcurrentHashMap<>();
        List<Thread> lookups = new ArrayList<>();
        for (InetAddress a : addresses.stream().distinct().toList()) {
            lookups.add(Thread.ofVirtual().start(() -> {
                String name = a.getCanonicalHostName();
                if (!name.equals(a.getHostAddress())) names.put(a, name);
            }));
        }
        try {
            for (Thread t : lookups) {
                long left = (untilNanos - System.nanoTime()) / 1_000_000L;
                if (left <= 0 || !t.join(java.time.Duration.ofMillis(left))) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // a lookup past its time is abandoned (the resolver's own timeout ends it); its answer is not used
        return Map.copyOf(names);
    }
}
