package dev.vantage.measure;

/**
 * One measurement engine per test type, in the shape of blackbox_exporter's probers: a single function from a
 * typed spec and a run context to typed records. An engine honours {@link RunContext#deadlineNanos()}, leaves
 * nothing running when it returns, never invents a value it did not observe (unmeasured metrics are null and
 * the reason is in the record's error field), and never throws for a failed measurement: failures are records.
 *
 * @param <S> the engine's spec (its view of the test definition)
 * @param <R> the engine's result
 */
public interface Engine<S, R> {
    R run(S spec, RunContext ctx) throws InterruptedException;
}
