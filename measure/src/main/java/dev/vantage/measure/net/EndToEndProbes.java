package dev.vantage.measure.net;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end series of methods.md ("How the reference agent measures"): up to 50 probes, one every 1.5 × the
 * floating-average RTT, inside an 8 s budget; an answer is an echo reply, a SYN/ACK or a RST. Probes are sent on
 * schedule whether or not the previous one was answered; what is still unanswered when the budget ends is lost.
 */
final class EndToEndProbes {
    private EndToEndProbes() {}

    static final int MAX_PROBES = TcpProbeEngine.MAX_PROBES;
    static final long BUDGET_MILLIS = TcpProbeEngine.ROUND_BUDGET_MILLIS;
    /** How long the last probe may take to be answered (within the budget). */
    static final long LAST_ANSWER_MILLIS = 2_000;

    /**
     * @param uniqueFlows each probe on its own flow (SYN mode: a unique source port per SYN) instead of flow 0
     * @return the round-trip times of the answered probes, and how many were sent
     */
    static Series run(Prober prober, boolean uniqueFlows, long deadlineNanos) throws IOException {
        long start = System.nanoTime();
        long budgetEnd = Math.min(deadlineNanos, start + BUDGET_MILLIS * 1_000_000L);
        Map<Integer, Long> sentAt = new HashMap<>();
        List<Double> rtts = new ArrayList<>();
        int sent = 0;
        double avg = 0;
        while (sent < MAX_PROBES && System.nanoTime() < budgetEnd) {
            sentAt.put(sent, System.nanoTime());
            prober.send(uniqueFlows ? sent : 0, 64, sent);
            sent++;
            double gapMillis = rtts.isEmpty() ? TcpProbeEngine.MAX_GAP_MILLIS
                    : Math.clamp(1.5 * avg, TcpProbeEngine.MIN_GAP_MILLIS, TcpProbeEngine.MAX_GAP_MILLIS);
            long nextSend = sent < MAX_PROBES ? System.nanoTime() + (long) (gapMillis * 1e6)
                    : Math.min(budgetEnd, System.nanoTime() + LAST_ANSWER_MILLIS * 1_000_000L);
            nextSend = Math.min(nextSend, budgetEnd);
            Prober.Reply r;
            while ((r = prober.next(nextSend)) != null) {
                Long t0 = sentAt.remove(r.seq());
                if (t0 == null || r.kind() == Prober.Kind.HOP) continue; // duplicate or a TTL-64 expiry
                if (r.kind() == Prober.Kind.UNREACHABLE) continue; // not an answer from the target: lost
                rtts.add((r.atNanos() - t0) / 1e6);
                avg = rtts.stream().mapToDouble(d -> d).average().orElse(0);
                if (sent == MAX_PROBES && sentAt.isEmpty()) break;
            }
        }
        return new Series(sent, rtts);
    }

    record Series(int sent, List<Double> rtts) {}
}
