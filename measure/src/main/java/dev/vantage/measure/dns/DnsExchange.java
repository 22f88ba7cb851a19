package dev.vantage.measure.dns;

import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.SimpleResolver;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One DNS question to one server, the way dig asks it: EDNS0 (payload 1232, RFC 6891 / DNS flag day 2020), over
 * UDP, asked again over TCP when the UDP answer comes back truncated (TC=1), or over TCP only when the test says
 * so. No retries: a lost answer is a timeout, not a hidden second try. Timed with {@link System#nanoTime()} from
 * the first datagram sent to the final answer parsed.
 */
final class DnsExchange {
    static final int PORT = 53;
    static final int EDNS_PAYLOAD = 1232;

    private DnsExchange() {}

    /**
     * @param response   the final answer, or null when none came ({@code error} says why)
     * @param queries    messages sent (2 when a truncated UDP answer was asked again over TCP)
     * @param protocol   {@code UDP} or {@code TCP}: how the final answer came
     */
    record Outcome(InetAddress server, Message response, int queries, long nanos, String protocol, String error) {
        boolean answered() { return response != null; }

        /** Whole milliseconds, truncated as dig's "Query time" is. */
        long millis() { return nanos / 1_000_000L; }

        int bytes() { return response == null ? 0 : response.numBytes(); }
    }

    static Outcome send(InetAddress server, int port, Message query, boolean tcpOnly, boolean dnssecOk, long timeoutMillis) {
        long deadline = System.nanoTime() + Math.max(1, timeoutMillis) * 1_000_000L;
        Outcome first = once(server, port, query, tcpOnly, dnssecOk, deadline);
        if (tcpOnly || !first.answered() || !first.response().getHeader().getFlag(Flags.TC)) return first;
        Outcome tcp = once(server, port, query, true, dnssecOk, deadline);
        return new Outcome(server, tcp.response(), 2, first.nanos() + tcp.nanos(), "TCP",
                tcp.error() == null ? null : "UDP answer truncated, then over TCP: " + tcp.error());
    }

    /** One message; the clock runs from just before it is sent (resolver set-up is not the server's time). */
    private static Outcome once(InetAddress server, int port, Message query, boolean tcp, boolean dnssecOk, long deadline) {
        String protocol = tcp ? "TCP" : "UDP";
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(server, port));
        resolver.setTCP(tcp);
        resolver.setIgnoreTruncation(true); // we ask again over TCP ourselves, to count and time it
        resolver.setEDNS(0, EDNS_PAYLOAD, dnssecOk ? ExtendedFlags.DO : 0, List.of());
        resolver.setTimeout(Duration.ofMillis(left));
        long start = System.nanoTime();
        try {
            // a direct executor: the answer is parsed on dnsjava's I/O thread instead of waiting for a pool thread
            Message response = resolver.sendAsync(query, Runnable::run).toCompletableFuture()
                    .get(left + 100, TimeUnit.MILLISECONDS);
            return new Outcome(server, response, 1, System.nanoTime() - start, protocol, null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Outcome(server, null, 1, System.nanoTime() - start, protocol, describe(cause, server, port, left));
        } catch (TimeoutException e) {
            return new Outcome(server, null, 1, System.nanoTime() - start, protocol, describe(e, server, port, left));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(server, null, 1, System.nanoTime() - start, protocol, "interrupted");
        }
    }

    /** The failure as an operator reads it: timeout, unreachable, refused connection, or the library's words. */
    static String describe(Throwable e, InetAddress server, int port, long timeoutMillis) {
        String where = server.getHostAddress() + (port == PORT ? "" : "#" + port);
        if (e instanceof SocketTimeoutException || e instanceof TimeoutException) {
            return "timeout: no answer from " + where + " within " + timeoutMillis + " ms";
        }
        if (e instanceof PortUnreachableException) return "unreachable: " + where + " answered port unreachable (no DNS server there)";
        if (e instanceof ConnectException) return "unreachable: " + where + " refused the TCP connection (no DNS server there)";
        if (e instanceof NoRouteToHostException) return "unreachable: no route to " + where;
        if (e instanceof IOException && e.getMessage() != null) return "error talking to " + where + ": " + e.getMessage();
        return "error talking to " + where + ": " + e;
    }
}
