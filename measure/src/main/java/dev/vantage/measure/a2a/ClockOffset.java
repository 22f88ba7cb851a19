package dev.vantage.measure.a2a;

import java.util.List;

/**
 * The target's clock minus the source's, from two-way exchanges (NTP's on-wire method, RFC 5905 §8, as TWAMP uses
 * it): for the exchange with the smallest round trip, offset = ((T2 − T1) + (T3 − T4)) / 2, and since neither
 * one-way delay can be negative the true offset lies within ± RTT/2 of it, RTT = (T4 − T1) − (T3 − T2).
 *
 * @param offsetNanos     target clock − source clock
 * @param errorBoundNanos half the round trip of the exchange used
 */
public record ClockOffset(long offsetNanos, long errorBoundNanos) {

    /** One exchange: T1 sent, T2 received by the reflector, T3 sent back, T4 received (all in nanoseconds). */
    public record Exchange(long t1, long t2, long t3, long t4) {
        long rtt() {
            return (t4 - t1) - (t3 - t2);
        }
    }

    public static ClockOffset estimate(List<Exchange> exchanges) {
        Exchange best = null;
        for (Exchange e : exchanges) {
            if (best == null || e.rtt() < best.rtt()) best = e;
        }
        if (best == null) throw new IllegalArgumentException("no exchange to estimate the clock offset from");
        long offset = ((best.t2() - best.t1()) + (best.t3() - best.t4())) / 2;
        return new ClockOffset(offset, Math.max(0, best.rtt()) / 2);
    }
}
