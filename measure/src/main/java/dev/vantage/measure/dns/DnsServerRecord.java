package dev.vantage.measure.dns;

/**
 * One agent's answer from one DNS server in one round (test-data.md §11). {@code resolutionTime} is whole
 * milliseconds (truncated, as dig's "Query time") from the query sent to the final answer; null when no answer
 * came. {@code mappings} holds the answer RRs, one per line, as {@code <rdata> (<TYPE>)}. {@code errorDetails} is
 * {@code ""} when the server answered the question, else what went wrong (timeout, unreachable, NXDOMAIN,
 * SERVFAIL, REFUSED, no records). The last four fields are extras from methods.md §9.7.
 *
 * @param serverIp address the query went to
 * @param rcode    the response code (NOERROR, NXDOMAIN, ...)
 * @param flags    the header flags of the answer as dig prints them, e.g. {@code qr aa rd ra}
 * @param protocol UDP or TCP: how the final answer came
 */
public record DnsServerRecord(Integer serverId, String server, Long resolutionTime, Integer queries, String mappings,
                              String errorDetails, String serverIp, String rcode, String flags, String protocol) {}
