package dev.vantage.measure.dns;

/**
 * One agent's iterative trace in one round (test-data.md §10). {@code output} is the walk in {@code dig +trace}
 * form; {@code mappings} the final answer's data, one value per line; {@code errorDetails} {@code ""} when the
 * walk reached an answer. {@code totalTime} (the whole walk, ms) is an extra.
 */
public record DnsTraceRecord(String output, Integer queries, Integer failedQueries, String finalServerQueried,
                             Long finalQueryTime, String mappings, String errorDetails, Long totalTime) {}
