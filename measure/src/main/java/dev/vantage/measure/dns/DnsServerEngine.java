package dev.vantage.measure.dns;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * dns-server (methods.md §9.7): one question to each listed server, all servers at once (each has its own clock,
 * so a dead server cannot delay the others' figures), UDP with TCP on truncation, EDNS0, RD as
 * {@code recursiveQueries} says. One record per server; failures are records.
 */
public final class DnsServerEngine implements Engine<DnsServerEngine.Spec, List<DnsServerRecord>> {

    /** How long one server gets to answer (dig's default, +time=5). */
    public static final long QUERY_TIMEOUT_MILLIS = 5_000;

    /** A server as the test lists it: id and name (FQDN with trailing dot, or an IP address). */
    public record Server(int id, String name) {}

    /**
     * @param port     53, or another port for a lab server ({@code name#port} is not a v6 form)
     * @param tcpOnly  dnsTransportProtocol=TCP
     */
    public record Spec(DnsQuestion question, List<Server> servers, boolean tcpOnly, boolean recursionDesired, int port) {}

    @Override
    public List<DnsServerRecord> run(Spec spec, RunContext ctx) throws InterruptedException {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<DnsServerRecord>> answers = new ArrayList<>();
            for (Server server : spec.servers()) answers.add(pool.submit(() -> ask(spec, server, ctx)));
            List<DnsServerRecord> out = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                try {
                    out.add(answers.get(i).get());
                } catch (ExecutionException e) {
                    Server s = spec.servers().get(i);
                    out.add(new DnsServerRecord(s.id(), s.name(), null, null, null, "error: " + e.getCause(),
                            null, null, null, null));
                }
            }
            return out;
        }
    }

    private DnsServerRecord ask(Spec spec, Server server, RunContext ctx) {
        InetAddress ip;
        try {
            ip = address(server.name());
        } catch (UnknownHostException e) {
            return new DnsServerRecord(server.id(), server.name(), null, 0, null,
                    "could not resolve the server name " + server.name() + ": " + e.getMessage(), null, null, null, null);
        }
        long timeout = Math.min(QUERY_TIMEOUT_MILLIS, ctx.remainingMillis());
        Message query = spec.question().query(spec.recursionDesired());
        DnsExchange.Outcome o = DnsExchange.send(ip, spec.port(), query, spec.tcpOnly(), false, timeout);
        if (!o.answered()) {
            return new DnsServerRecord(server.id(), server.name(), null, o.queries(), null, o.error(),
                    ip.getHostAddress(), null, null, o.protocol());
        }
        Message r = o.response();
        return new DnsServerRecord(server.id(), server.name(), o.millis(), o.queries(), mappings(r),
                problem(spec.question(), r, ip), ip.getHostAddress(), Rcode.string(r.getRcode()), flags(r), o.protocol());
    }

    /** An IP literal as it is; a name through the agent's system resolver (as v6 agents do). */
    static InetAddress address(String serverName) throws UnknownHostException {
        InetAddress literal = DnsConfig.literal(serverName);
        if (literal != null) return literal;
        String host = serverName.endsWith(".") ? serverName.substring(0, serverName.length() - 1) : serverName;
        return InetAddress.getByName(host);
    }

    /** "" when the server answered the question; otherwise what the answer says instead. */
    static String problem(DnsQuestion q, Message r, InetAddress ip) {
        int rcode = r.getRcode();
        String from = " (from " + ip.getHostAddress() + ")";
        if (rcode == Rcode.NXDOMAIN) return "NXDOMAIN: " + q.name() + " does not exist" + from;
        if (rcode == Rcode.SERVFAIL) return "SERVFAIL: the server failed to answer " + q + from;
        if (rcode == Rcode.REFUSED) return "REFUSED: the server refused to answer " + q + from;
        if (rcode != Rcode.NOERROR) return Rcode.string(rcode) + ": " + q + from;
        if (!r.getSection(Section.ANSWER).isEmpty()) return "";
        for (Record ns : r.getSection(Section.AUTHORITY)) {
            if (ns instanceof NSRecord && !r.getHeader().getFlag(Flags.AA)) {
                return "no answer: referral to " + ns.getName() + " (the server does not recurse for this query)" + from;
            }
        }
        return "NODATA: no " + q.typeName() + " records for " + q.name() + from;
    }

    /** The answer RRs as test-data.md §11 shows them: {@code <rdata> (<TYPE>)}, one per line. */
    static String mappings(Message r) {
        List<String> lines = new ArrayList<>();
        for (Record rr : r.getSection(Section.ANSWER)) lines.add(rr.rdataToString() + " (" + Type.string(rr.getType()) + ")");
        return String.join("\n", lines);
    }

    /** Header flags in dig's order and spelling. */
    static String flags(Message r) {
        StringBuilder s = new StringBuilder();
        for (int flag : new int[]{Flags.QR, Flags.AA, Flags.TC, Flags.RD, Flags.RA, Flags.AD, Flags.CD}) {
            if (r.getHeader().getFlag(flag)) s.append(s.isEmpty() ? "" : " ").append(Flags.string(flag));
        }
        return s.toString();
    }
}
