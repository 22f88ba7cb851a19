package dev.vantage.measure.dns;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.util.ArrayList;
import java.util.List;

/**
 * dns-trace (methods.md §9.7): the {@link IterativeResolver} walk from the agent's root hints, reported as the
 * chain of servers asked, in {@code dig +trace} form, with the final answer, its server and time.
 */
public final class DnsTraceEngine implements Engine<DnsTraceEngine.Spec, DnsTraceRecord> {

    /** How long one server gets to answer before the next server of its zone is asked (dig +trace waits 5 s). */
    public static final long QUERY_TIMEOUT_MILLIS = 2_000;

    public record Spec(DnsQuestion question, boolean tcpOnly, int port) {}

    @Override
    public DnsTraceRecord run(Spec spec, RunContext ctx) {
        long start = System.nanoTime();
        IterativeResolver resolver = new IterativeResolver(ctx.options().dns().rootHints(), null, ctx.deadlineNanos(),
                QUERY_TIMEOUT_MILLIS, spec.tcpOnly(), false, spec.port());
        IterativeResolver.Answer answer = resolver.resolve(spec.question().name(), spec.question().type());
        long total = (System.nanoTime() - start) / 1_000_000L;
        String output = output(resolver.steps());
        IterativeResolver.Step last = answer.finalStep();
        String finalServer = last == null ? null : last.serverName();
        Long finalTime = last == null ? null : last.outcome().millis();
        if (answer.response() == null) {
            return new DnsTraceRecord(output, resolver.queries(), resolver.failedQueries(), finalServer, finalTime,
                    null, answer.error(), total);
        }
        Message r = answer.response();
        return new DnsTraceRecord(output, resolver.queries(), resolver.failedQueries(), finalServer, finalTime,
                mappings(r, spec.question()), problem(spec.question(), r, last), total);
    }

    /** The final answer's data for the asked type (all data for ANY), one value per line. */
    static String mappings(Message r, DnsQuestion q) {
        List<String> values = new ArrayList<>();
        for (Record rr : r.getSection(Section.ANSWER)) {
            if (rr.getType() == q.type() || q.type() == Type.ANY && rr.getType() != Type.RRSIG) values.add(rr.rdataToString());
        }
        return String.join("\n", values);
    }

    static String problem(DnsQuestion q, Message r, IterativeResolver.Step last) {
        String from = " (from " + last.serverName() + " " + last.ip().getHostAddress() + ")";
        if (r.getRcode() == Rcode.NXDOMAIN) return "NXDOMAIN: " + q.name() + " does not exist" + from;
        if (r.getRcode() != Rcode.NOERROR) return Rcode.string(r.getRcode()) + " for " + q + from;
        if (mappings(r, q).isEmpty()) return "NODATA: no " + q.typeName() + " records for " + q.name() + from;
        return "";
    }

    /**
     * The main chain as {@code dig +trace} prints it: each response's answer (or, for a referral or a negative
     * answer, its authority section) as RR lines, closed by {@code ;; Received N bytes from IP#53(NAME) in T ms}.
     * Failed queries and glue-less name server look-ups are {@code ;;} comment lines.
     */
    static String output(List<IterativeResolver.Step> steps) {
        StringBuilder out = new StringBuilder();
        for (IterativeResolver.Step step : steps) {
            if (step.depth() > 0) continue;
            if (step.note() != null) {
                out.append(";; ").append(step.note()).append("\n\n");
                continue;
            }
            DnsExchange.Outcome o = step.outcome();
            String server = step.ip().getHostAddress() + "#" + DnsExchange.PORT + "(" + label(step.serverName()) + ")";
            if (!o.answered()) {
                out.append(";; no answer from ").append(server).append(": ").append(o.error()).append("\n\n");
                continue;
            }
            Message r = o.response();
            List<Record> shown = r.getSection(Section.ANSWER);
            if (shown.isEmpty()) shown = r.getSection(Section.AUTHORITY);
            for (Record rr : shown) out.append(line(rr)).append('\n');
            if (r.getRcode() != Rcode.NOERROR) out.append(";; ").append(Rcode.string(r.getRcode())).append('\n');
            out.append(";; Received ").append(o.bytes()).append(" bytes from ").append(server)
                    .append(" in ").append(o.millis()).append(" ms\n\n");
        }
        return out.toString();
    }

    /** {@code name<TAB>ttl<TAB>IN<TAB>TYPE<TAB>rdata} (test-data.md §10). */
    static String line(Record rr) {
        return rr.getName() + "\t" + rr.getTTL() + "\tIN\t" + Type.string(rr.getType()) + "\t" + rr.rdataToString();
    }

    /** dig names the server without the trailing dot. */
    private static String label(String serverName) {
        return serverName.length() > 1 && serverName.endsWith(".") ? serverName.substring(0, serverName.length() - 1) : serverName;
    }
}
