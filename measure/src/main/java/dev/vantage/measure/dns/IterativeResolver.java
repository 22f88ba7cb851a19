package dev.vantage.measure.dns;

import dev.vantage.measure.dns.DnsConfig.NameServer;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Iterative resolution from the root hints (RFC 1034 §5.3.3, what {@code dig +trace} does): prime the root NS set,
 * then ask each zone's servers with RD=0, follow referrals with their glue, look up glue-less (out-of-bailiwick)
 * name servers with their own iterative lookup, and follow CNAMEs by starting again from the root. Every message
 * sent is a {@link Step}, in order; the walk is capped in queries, CNAME hops and nested NS lookups, and stops at
 * the deadline. One instance per resolution: not thread-safe.
 */
final class IterativeResolver {
    static final int MAX_QUERIES = 60;
    static final int MAX_CNAMES = 8;
    static final int MAX_NS_LOOKUP_DEPTH = 3;

    /**
     * One message sent (or a note on the way).
     *
     * @param zone       the zone whose server was asked ("." for the priming query)
     * @param serverName the server as the referral (or the hints) named it
     * @param depth      0 on the main chain, more inside a lookup of a glue-less name server
     * @param note       when set, this step is a remark, not a query (outcome is null)
     */
    record Step(Name zone, String serverName, InetAddress ip, DnsExchange.Outcome outcome, int depth, String note) {
        boolean failed() {
            return outcome != null && (!outcome.answered() || unusable(outcome.response()));
        }
    }

    /** The final answer (null when there is none, {@code error} says why) and the CNAMEs followed to reach it. */
    record Answer(Message response, Step finalStep, List<Record> cnameChain, String error) {
        /** The final response with the CNAME records before its own answer, for callers that want one message. */
        Message combined(Message query) {
            Message m = new Message(query.getHeader().getID());
            Header h = m.getHeader();
            Header from = response.getHeader();
            for (int flag : new int[]{Flags.QR, Flags.AA, Flags.TC, Flags.RD, Flags.RA, Flags.AD, Flags.CD}) {
                if (from.getFlag(flag)) h.setFlag(flag);
            }
            h.setRcode(response.getRcode());
            m.addRecord(query.getQuestion(), Section.QUESTION);
            for (Record r : cnameChain) m.addRecord(r, Section.ANSWER);
            for (int section : new int[]{Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
                for (Record r : response.getSection(section)) m.addRecord(r, section);
            }
            return m;
        }
    }

    private final List<NameServer> hints;
    private final long deadlineNanos;
    private final long queryTimeoutMillis;
    private final boolean tcpOnly;
    private final boolean dnssecOk;
    private final int port;
    private final List<Step> steps = new ArrayList<>();
    private List<NameServer> roots;
    private int queries;
    private int failedQueries;

    IterativeResolver(List<NameServer> hints, List<NameServer> primedRoots, long deadlineNanos, long queryTimeoutMillis,
                      boolean tcpOnly, boolean dnssecOk, int port) {
        this.hints = hints;
        this.roots = primedRoots;
        this.deadlineNanos = deadlineNanos;
        this.queryTimeoutMillis = queryTimeoutMillis;
        this.tcpOnly = tcpOnly;
        this.dnssecOk = dnssecOk;
        this.port = port;
    }

    List<Step> steps() { return steps; }
    int queries() { return queries; }
    int failedQueries() { return failedQueries; }

    /** The root servers from a priming query ({@code . NS}) to the hints; the hints themselves if none answers. */
    List<NameServer> roots() {
        if (roots != null) return roots;
        Message query = new DnsQuestion(Name.root, Type.NS).query(false);
        for (NameServer hint : hints) {
            for (InetAddress ip : ordered(hint.addresses())) {
                if (outOfTime()) return roots = hints;
                Step step = ask(Name.root, hint.label(), ip, query, 0);
                if (step.failed()) continue;
                List<NameServer> primed = servers(step.outcome().response(), Name.root, Section.ANSWER);
                if (primed.isEmpty()) return roots = hints;
                // a root NS without an address in ADDITIONAL: the hints' address for that name, else look it up
                // from the hints (as dig +trace looks each one up)
                roots = hints;
                List<NameServer> resolved = new ArrayList<>();
                for (NameServer ns : primed) {
                    List<InetAddress> addrs = ns.addresses();
                    if (addrs.isEmpty()) {
                        addrs = hints.stream().filter(h -> h.name().equals(ns.name())).findFirst()
                                .map(NameServer::addresses).orElse(List.of());
                    }
                    if (addrs.isEmpty()) addrs = lookUp(ns.name(), 0);
                    if (!addrs.isEmpty()) resolved.add(new NameServer(ns.name(), addrs));
                }
                return roots = resolved.isEmpty() ? hints : resolved;
            }
        }
        return roots = hints;
    }

    Answer resolve(Name qname, int qtype) {
        return resolve(qname, qtype, 0);
    }

    private Answer resolve(Name qname, int qtype, int depth) {
        List<Record> chain = new ArrayList<>();
        Name name = qname;
        for (int hops = 0; ; hops++) {
            Answer walked = walk(name, qtype, depth);
            if (walked.response() == null) return new Answer(null, walked.finalStep(), chain, walked.error());
            Message r = walked.response();
            if (r.getRcode() != Rcode.NOERROR || qtype == Type.CNAME || qtype == Type.ANY) {
                return new Answer(r, walked.finalStep(), chain, null);
            }
            // follow the CNAME chain inside this answer; if it leaves the data out, ask again for the target
            Name current = name;
            List<Record> answer = r.getSection(Section.ANSWER);
            while (true) {
                Name at = current;
                if (answer.stream().anyMatch(rr -> rr.getName().equals(at) && rr.getType() == qtype)) {
                    return new Answer(r, walked.finalStep(), chain, null);
                }
                CNAMERecord cname = (CNAMERecord) answer.stream()
                        .filter(rr -> rr.getName().equals(at) && rr.getType() == Type.CNAME).findFirst().orElse(null);
                if (cname == null) break;
                current = cname.getTarget();
            }
            if (current.equals(name)) return new Answer(r, walked.finalStep(), chain, null); // NODATA
            if (hops >= MAX_CNAMES) {
                return new Answer(null, walked.finalStep(), chain, "more than " + MAX_CNAMES + " CNAMEs from " + qname);
            }
            chain.addAll(answer); // with their RRSIGs, for a validator
            name = current;
        }
    }

    /** From the root down to the servers that answer for {@code qname}. */
    private Answer walk(Name qname, int qtype, int depth) {
        List<NameServer> servers = roots();
        Name zone = Name.root;
        Message query = new DnsQuestion(qname, qtype).query(false);
        while (true) {
            Step answered = null;
            String lastError = null;
            servers:
            for (NameServer ns : servers) {
                List<InetAddress> addresses = ns.addresses();
                if (addresses.isEmpty()) addresses = lookUp(ns.name(), depth);
                for (InetAddress ip : ordered(addresses)) {
                    if (queries >= MAX_QUERIES) return new Answer(null, null, List.of(), "gave up after " + queries + " queries");
                    if (outOfTime()) return new Answer(null, null, List.of(), "out of time after " + queries + " queries");
                    Step step = ask(zone, ns.name().toString(), ip, query, depth);
                    if (step.failed()) {
                        lastError = step.outcome().answered()
                                ? Rcode.string(step.outcome().response().getRcode()) + " from " + ip.getHostAddress()
                                : step.outcome().error();
                        continue;
                    }
                    answered = step;
                    break servers;
                }
            }
            if (answered == null) {
                return new Answer(null, null, List.of(), "no server of zone " + zone + " answered"
                        + (lastError == null ? " (none could be reached)" : ": " + lastError));
            }
            Message r = answered.outcome().response();
            if (r.getRcode() != Rcode.NOERROR || !r.getSection(Section.ANSWER).isEmpty()) {
                return new Answer(r, answered, List.of(), null);
            }
            Name cut = referral(r, zone, qname);
            if (cut == null) return new Answer(r, answered, List.of(), null); // NODATA
            zone = cut;
            servers = servers(r, cut, Section.AUTHORITY);
        }
    }

    private Step ask(Name zone, String serverName, InetAddress ip, Message query, int depth) {
        long left = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000L);
        DnsExchange.Outcome o = DnsExchange.send(ip, port, query, tcpOnly, dnssecOk, Math.min(queryTimeoutMillis, left));
        queries += o.queries();
        Step step = new Step(zone, serverName, ip, o, depth, null);
        if (step.failed()) failedQueries++;
        steps.add(step);
        return step;
    }

    /** The addresses of a name server the referral gave no glue for, by an iterative lookup of its own. */
    private List<InetAddress> lookUp(Name server, int depth) {
        if (depth >= MAX_NS_LOOKUP_DEPTH) return List.of();
        int before = queries;
        List<InetAddress> out = new ArrayList<>();
        for (int type : new int[]{Type.A, Type.AAAA}) {
            Answer a = resolve(server, type, depth + 1);
            if (a.response() == null) continue;
            for (Record r : a.response().getSection(Section.ANSWER)) {
                if (r instanceof ARecord ar) out.add(ar.getAddress());
                if (r instanceof AAAARecord ar) out.add(ar.getAddress());
            }
            if (!out.isEmpty()) break;
        }
        steps.add(new Step(null, server.toString(), null, null, depth, "no glue for " + server + ": looked it up from the root in "
                + (queries - before) + " queries -> " + (out.isEmpty() ? "no address"
                : String.join(", ", out.stream().map(InetAddress::getHostAddress).toList()))));
        return out;
    }

    /** The zone cut a referral points to: an NS set in AUTHORITY below the current zone that encloses qname. */
    static Name referral(Message r, Name zone, Name qname) {
        for (Record rr : r.getSection(Section.AUTHORITY)) {
            if (rr instanceof NSRecord && !rr.getName().equals(zone) && rr.getName().subdomain(zone)
                    && qname.subdomain(rr.getName())) {
                return rr.getName();
            }
        }
        return null;
    }

    /** The NS set of {@code owner} in a section, with glue addresses from ADDITIONAL (none: empty list). */
    static List<NameServer> servers(Message r, Name owner, int section) {
        Map<Name, List<InetAddress>> byName = new LinkedHashMap<>();
        for (Record rr : r.getSection(section)) {
            if (rr instanceof NSRecord ns && rr.getName().equals(owner)) byName.putIfAbsent(ns.getTarget(), new ArrayList<>());
        }
        for (Record rr : r.getSection(Section.ADDITIONAL)) {
            List<InetAddress> addrs = byName.get(rr.getName());
            if (addrs == null) continue;
            if (rr instanceof ARecord a) addrs.add(a.getAddress());
            if (rr instanceof AAAARecord a) addrs.add(a.getAddress());
        }
        List<NameServer> out = new ArrayList<>();
        byName.forEach((n, a) -> out.add(new NameServer(n, a)));
        return out;
    }

    /** IPv4 first: an agent without IPv6 would otherwise time out on every AAAA glue first. */
    private static List<InetAddress> ordered(List<InetAddress> addresses) {
        return addresses.stream().sorted(Comparator.comparing(a -> a instanceof Inet4Address ? 0 : 1)).toList();
    }

    /** SERVFAIL, REFUSED, FORMERR, NOTIMP: that server is no use, ask the next one. */
    private static boolean unusable(Message r) {
        int rcode = r.getRcode();
        return rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN;
    }

    private boolean outOfTime() {
        return System.nanoTime() - deadlineNanos >= 0;
    }
}
