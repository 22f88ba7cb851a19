package dev.vantage.measure.a2a;

import java.time.Instant;

/**
 * The timestamps of probes: nanoseconds since the epoch, read once from the wall clock and then advanced by
 * {@link System#nanoTime()}, so that a clock step (NTP) during a session cannot bend its one-way delays. The offset
 * between two agents' stamps is estimated per session ({@link ClockOffset}).
 */
public final class Stamp {
    private static final long NANO_ANCHOR = System.nanoTime();
    private static final long WALL_ANCHOR;

    static {
        Instant now = Instant.now();
        WALL_ANCHOR = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private Stamp() {}

    public static long now() {
        return at(System.nanoTime());
    }

    /** The stamp of a {@link System#nanoTime()} reading, e.g. a kernel arrival time mapped onto that clock. */
    public static long at(long nanoTime) {
        return WALL_ANCHOR + (nanoTime - NANO_ANCHOR);
    }
}
