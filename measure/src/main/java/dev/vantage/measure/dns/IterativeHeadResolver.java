package dev.vantage.measure.dns;

import dev.vantage.measure.dns.DnsConfig.NameServer;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TSIG;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A dnsjava {@link Resolver} that answers each question by its own iterative walk from the root hints with the DO
 * bit set, so the DNSSEC validator sees the authoritative servers' own signed answers (no recursive resolver in
 * between whose cache or validation could hide a broken link). The root NS set is primed once per instance.
 */
final class IterativeHeadResolver implements Resolver {
    private final List<NameServer> hints;
    private final long deadlineNanos;
    private final int port;
    private final AtomicInteger queries = new AtomicInteger();
    private volatile List<NameServer> roots;

    IterativeHeadResolver(List<NameServer> hints, long deadlineNanos, int port) {
        this.hints = hints;
        this.deadlineNanos = deadlineNanos;
        this.port = port;
    }

    int queries() { return queries.get(); }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            IterativeResolver walk = new IterativeResolver(hints, roots, deadlineNanos, DnsTraceEngine.QUERY_TIMEOUT_MILLIS,
                    false, true, port);
            Record q = query.getQuestion();
            IterativeResolver.Answer answer = walk.resolve(q.getName(), q.getType());
            roots = walk.roots();
            queries.addAndGet(walk.queries());
            if (answer.response() == null) {
                throw new CompletionException(new IOException(q.getName() + " " + org.xbill.DNS.Type.string(q.getType())
                        + ": " + answer.error()));
            }
            return answer.combined(query);
        }, executor);
    }

    // The validator sets EDNS/DO, timeouts and the like on its head resolver; the walk always uses its own.
    @Override public void setPort(int port) {}
    @Override public void setTCP(boolean flag) {}
    @Override public void setIgnoreTruncation(boolean flag) {}
    @Override public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {}
    @Override public void setTSIGKey(TSIG key) {}
    @Override public void setTimeout(Duration timeout) {}

    @Override
    public Duration getTimeout() {
        return Duration.ofMillis(Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000L));
    }
}
