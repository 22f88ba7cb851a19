package dev.vantage.measure.dns;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * dns-dnssec (methods.md §9.7): dnsjava's {@link ValidatingResolver} (RFC 4033–4035: DS → DNSKEY → RRSIG from
 * the trust anchor down, NSEC/NSEC3 for negative answers) over an {@link IterativeHeadResolver} that walks from
 * the agent's root hints. Valid when the answer validates (AD); otherwise the validator's reason for the first
 * broken link (made specific by {@link DnssecDiagnosis} when it only names a zone), or that the answer is
 * provably unsigned.
 */
public final class DnsSecEngine implements Engine<DnsSecEngine.Spec, DnsSecRecord> {

    public record Spec(DnsQuestion question, int port) {}

    @Override
    public DnsSecRecord run(Spec spec, RunContext ctx) throws InterruptedException {
        long start = System.nanoTime();
        IterativeHeadResolver head = new IterativeHeadResolver(ctx.options().dns().rootHints(), ctx.deadlineNanos(), spec.port());
        ValidatingResolver validator = new ValidatingResolver(head, ctx.clock());
        try {
            validator.loadTrustAnchors(new ByteArrayInputStream(ctx.options().dns().trustAnchors().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            return new DnsSecRecord(0, "the agent's trust anchors could not be loaded: " + e.getMessage(), null, null, 0, 0L);
        }
        Message response;
        String detail = null;
        long total;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            response = validator.sendAsync(spec.question().query(true), pool).toCompletableFuture()
                    .get(Math.max(1, ctx.remainingMillis()), TimeUnit.MILLISECONDS);
            total = millisSince(start); // the validation; a diagnosis of a bogus answer comes after
            String reason = reason(response);
            if (reason != null && response.getRcode() == Rcode.SERVFAIL) {
                detail = DnssecDiagnosis.explain(reason, head, pool, ctx.clock().instant(), ctx.remainingMillis());
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            return new DnsSecRecord(0, "no answer to validate: " + (cause == null ? e : cause.getMessage()), null, null,
                    head.queries(), millisSince(start));
        } catch (TimeoutException e) {
            return new DnsSecRecord(0, "no answer to validate within the test's time limit", null, null, head.queries(),
                    millisSince(start));
        }
        String mappings = DnsTraceEngine.mappings(response, spec.question());
        if (response.getHeader().getFlag(Flags.AD)) {
            return new DnsSecRecord(1, null, "SECURE", mappings, head.queries(), total);
        }
        // the validator answers SERVFAIL with its reason for a bogus answer, and passes an insecure one on
        // (NOERROR/NXDOMAIN without AD), with the reason when it proved the delegation unsigned
        String reason = reason(response);
        if (response.getRcode() == Rcode.NOERROR || response.getRcode() == Rcode.NXDOMAIN) {
            return new DnsSecRecord(0, "insecure: the answer for " + spec.question() + " is not signed ("
                    + (reason != null ? reason : "no chain of trust from the trust anchor covers it") + ")",
                    "INSECURE", mappings, head.queries(), total);
        }
        if (reason != null) {
            return new DnsSecRecord(0, detail == null ? reason : reason + " (" + detail + ")", "BOGUS", null,
                    head.queries(), total);
        }
        return new DnsSecRecord(0, Rcode.string(response.getRcode()) + " for " + spec.question(), null, null,
                head.queries(), total);
    }

    /** The validator's reason, which it puts in a TXT record of a private class in ADDITIONAL. */
    private static String reason(Message response) {
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            if (r.getType() == Type.TXT && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS) {
                return String.join("", ((TXTRecord) r).getStrings());
            }
        }
        return null;
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000L;
    }
}
