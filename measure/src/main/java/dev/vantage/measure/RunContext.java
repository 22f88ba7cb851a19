package dev.vantage.measure;

import java.time.Clock;

/**
 * What an engine gets besides its spec: a hard deadline on the monotonic clock, the wall clock (for record
 * dates and certificate checks), and who is measuring.
 *
 * @param deadlineNanos {@link System#nanoTime()} value after which the engine must have returned
 * @param clock         wall clock
 * @param agentName     name of the measuring agent (used in User-Agent strings and logs)
 * @param options       the agent's own settings some engines need (DNS root hints, trust anchors)
 */
public record RunContext(long deadlineNanos, Clock clock, String agentName, EngineOptions options) {

    public RunContext {
        if (options == null) options = EngineOptions.DEFAULT;
    }

    public RunContext(long deadlineNanos, Clock clock, String agentName) {
        this(deadlineNanos, clock, agentName, EngineOptions.DEFAULT);
    }

    public RunContext withOptions(EngineOptions options) {
        return new RunContext(deadlineNanos, clock, agentName, options);
    }

    public static RunContext withTimeoutMillis(long millis, String agentName) {
        return new RunContext(System.nanoTime() + millis * 1_000_000L, Clock.systemUTC(), agentName);
    }

    /** Milliseconds left before the deadline, never negative. */
    public long remainingMillis() {
        return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L);
    }

    public boolean expired() {
        return System.nanoTime() - deadlineNanos >= 0;
    }
}
