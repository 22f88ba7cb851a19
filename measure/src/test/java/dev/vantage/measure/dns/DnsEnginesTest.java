package dev.vantage.measure.dns;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.EngineOptions;
import dev.vantage.measure.RunContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.vantage.measure.dns.PrivateDnsHierarchy.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The three DNS engines against a private hierarchy of real BIND servers, next to dig on the same questions. */
class DnsEnginesTest {
    private static PrivateDnsHierarchy dns;
    private static RunContext ctx;

    @BeforeAll
    static void start() throws Exception {
        dns = PrivateDnsHierarchy.start();
        DnsMeasurements.warmUp(); // as an agent does before its first task
    }

    @AfterAll
    static void stop() {
        if (dns != null) dns.close();
    }

    private static RunContext ctx() {
        return RunContext.withTimeoutMillis(20_000, "test").withOptions(new EngineOptions(dns.config()));
    }

    private static List<DnsServerRecord> ask(String domain, boolean recursive, String... servers) throws Exception {
        List<DnsServerEngine.Server> list = new ArrayList<>();
        for (int i = 0; i < servers.length; i++) list.add(new DnsServerEngine.Server(i + 1, servers[i]));
        return new DnsServerEngine().run(new DnsServerEngine.Spec(DnsQuestion.parse(domain), list, false, recursive, 53), ctx());
    }

    private static long digQueryTime(String out) {
        Matcher m = Pattern.compile(";; Query time: (\\d+) msec").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void dnsServerAnswersAsDigDoesWithTheDelayedServerTimedAsDigTimesIt() throws Exception {
        List<DnsServerRecord> records = ask("www.good.vlab A", false, GOOD, DELAYED);
        DnsServerRecord direct = records.get(0);
        DnsServerRecord delayed = records.get(1);
        assertThat(direct.serverId()).isEqualTo(1);
        assertThat(direct.errorDetails()).isEmpty();
        assertThat(direct.mappings()).isEqualTo("192.0.2.10 (A)");
        assertThat(direct.rcode()).isEqualTo("NOERROR");
        assertThat(direct.flags()).isEqualTo("qr aa");
        assertThat(direct.queries()).isEqualTo(1);
        assertThat(direct.protocol()).isEqualTo("UDP");
        assertThat(delayed.serverId()).isEqualTo(2);
        assertThat(delayed.errorDetails()).isEmpty();
        assertThat(delayed.mappings()).isEqualTo("192.0.2.10 (A)");

        // medians of five, ours and dig's alternating, so one scheduling hiccup on a busy machine does not decide
        List<Long> ours = new ArrayList<>();
        List<Long> digs = new ArrayList<>();
        List<Long> oursDirect = new ArrayList<>();
        List<Long> digsDirect = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ours.add(ask("www.good.vlab A", false, DELAYED).getFirst().resolutionTime());
            String dig = dns.dig("@" + DELAYED, "www.good.vlab", "A", "+norec", "+tries=1");
            assertThat(dig).contains("status: NOERROR").contains("192.0.2.10");
            digs.add(digQueryTime(dig));
            oursDirect.add(ask("www.good.vlab A", false, GOOD).getFirst().resolutionTime());
            digsDirect.add(digQueryTime(dns.dig("@" + GOOD, "www.good.vlab", "A", "+norec", "+tries=1")));
        }
        assertThat(median(ours)).as("ours %s, dig %s", ours, digs).isBetween(DELAY_MILLIS, DELAY_MILLIS + 60);
        assertThat(median(digs)).as("ours %s, dig %s", ours, digs).isBetween(DELAY_MILLIS, DELAY_MILLIS + 60);
        assertThat(Math.abs(median(ours) - median(digs))).as("ours %s, dig %s", ours, digs).isLessThanOrEqualTo(25);
        assertThat(median(oursDirect) - median(digsDirect)).as("ours %s, dig %s", oursDirect, digsDirect).isBetween(-10L, 10L);
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    @Test
    void nxdomainUnreachableAndSilentServersAreReportedAsSuch() throws Exception {
        List<DnsServerRecord> records = ask("nope.good.vlab A", false, GOOD, UNREACHABLE, SILENT);
        assertThat(records.get(0).errorDetails()).startsWith("NXDOMAIN: nope.good.vlab. does not exist");
        assertThat(records.get(0).rcode()).isEqualTo("NXDOMAIN");
        assertThat(records.get(0).resolutionTime()).isNotNull();
        assertThat(records.get(1).errorDetails()).startsWith("unreachable: 127.0.53.12");
        assertThat(records.get(1).resolutionTime()).isNull();
        assertThat(records.get(1).mappings()).isNull();
        assertThat(records.get(2).errorDetails()).startsWith("timeout: no answer from 127.0.53.13 within");
        assertThat(records.get(2).resolutionTime()).isNull();

        // an authoritative-only server asked for another zone refuses; a resolver whose delegation is dead fails
        DnsServerRecord refused = ask("www.away.vlab A", true, GOOD).getFirst();
        assertThat(refused.errorDetails()).startsWith("REFUSED: the server refused to answer www.away.vlab. A");
        assertThat(refused.rcode()).isEqualTo("REFUSED");
        DnsServerRecord servfail = ask("www.dead.vlab A", true, RESOLVER).getFirst();
        assertThat(servfail.errorDetails()).startsWith("SERVFAIL: the server failed to answer www.dead.vlab. A");
        assertThat(servfail.resolutionTime()).isNotNull();
    }

    @Test
    void aTruncatedUdpAnswerIsAskedAgainOverTcp() throws Exception {
        DnsServerRecord big = ask("big.good.vlab TXT", false, GOOD).getFirst();
        assertThat(big.errorDetails()).isEmpty();
        assertThat(big.queries()).isEqualTo(2);
        assertThat(big.protocol()).isEqualTo("TCP");
        assertThat(big.mappings().split("\n")).hasSize(30).allMatch(l -> l.endsWith(" (TXT)"));

        DnsServerRecord tcp = new DnsServerEngine().run(new DnsServerEngine.Spec(DnsQuestion.parse("www.good.vlab A"),
                List.of(new DnsServerEngine.Server(1, GOOD)), true, false, 53), ctx()).getFirst();
        assertThat(tcp.protocol()).isEqualTo("TCP");
        assertThat(tcp.queries()).isEqualTo(1);
        assertThat(tcp.mappings()).isEqualTo("192.0.2.10 (A)");
    }

    @Test
    void theRecursiveResolverFollowsTheCnameIntoAnotherZoneAndANonRecursiveAskIsAReferral() throws Exception {
        DnsServerRecord viaResolver = ask("alias.good.vlab A", true, RESOLVER).getFirst();
        assertThat(viaResolver.errorDetails()).isEmpty();
        assertThat(viaResolver.mappings()).isEqualTo("www.away.vlab. (CNAME)\n192.0.2.30 (A)");
        assertThat(viaResolver.flags()).contains("ra");

        DnsServerRecord referral = ask("www.good.vlab A", false, ROOT).getFirst();
        assertThat(referral.errorDetails()).startsWith("no answer: referral to vlab.");
    }

    @Test
    void dnsTraceWalksRootTldLeafAsDigTraceDoes() throws Exception {
        RunContext ipHints = RunContext.withTimeoutMillis(20_000, "test")
                .withOptions(new EngineOptions(dns.config().withRootHints(ROOT)));
        DnsTraceRecord trace = new DnsTraceEngine().run(
                new DnsTraceEngine.Spec(DnsQuestion.parse("www.good.vlab A"), false, 53), ipHints);
        assertThat(trace.errorDetails()).isEmpty();
        assertThat(trace.mappings()).isEqualTo("192.0.2.10");
        assertThat(trace.finalServerQueried()).isEqualTo("ns1.good.vlab.");
        // priming, the root server's address (BIND gives no glue with ". NS"), root, TLD, leaf
        assertThat(trace.queries()).isEqualTo(5);
        assertThat(trace.failedQueries()).isZero();
        assertThat(trace.finalQueryTime()).as(trace.output()).isBetween(0L, 1000L);

        String dig = dns.dig("+trace", "@" + ROOT, "www.good.vlab", "A");
        assertThat(receivedFrom(trace.output())).as(trace.output() + dig).isEqualTo(receivedFrom(dig))
                .containsExactly("127.0.53.1#53(127.0.53.1)", "127.0.53.1#53(a.root-servers)",
                        "127.0.53.2#53(ns1.nic.vlab)", "127.0.53.3#53(ns1.good.vlab)");
        assertThat(trace.output()).contains("vlab.\t86400\tIN\tNS\tns1.nic.vlab.")
                .contains("www.good.vlab.\t300\tIN\tA\t192.0.2.10");
    }

    private static List<String> receivedFrom(String out) {
        Matcher m = Pattern.compile(";; Received \\d+ bytes from (\\S+) in \\d+ ms").matcher(out);
        List<String> servers = new ArrayList<>();
        while (m.find()) servers.add(m.group(1));
        return servers;
    }

    @Test
    void dnsTraceLooksUpAGluelessNameServerAndFollowsACname() throws Exception {
        DnsTraceRecord trace = new DnsTraceEngine().run(
                new DnsTraceEngine.Spec(DnsQuestion.parse("alias.good.vlab A"), false, 53), ctx());
        assertThat(trace.errorDetails()).isEmpty();
        assertThat(trace.mappings()).isEqualTo("192.0.2.30");
        assertThat(trace.finalServerQueried()).isEqualTo("ns.hosting.vnet.");
        assertThat(trace.output()).contains("alias.good.vlab.\t300\tIN\tCNAME\twww.away.vlab.")
                .contains(";; no glue for ns.hosting.vnet.: looked it up from the root in 2 queries -> 127.0.53.6")
                .contains("from 127.0.53.6#53(ns.hosting.vnet)");
    }

    @Test
    void dnsTraceReportsNxdomain() throws Exception {
        DnsTraceRecord trace = new DnsTraceEngine().run(
                new DnsTraceEngine.Spec(DnsQuestion.parse("nope.good.vlab A"), false, 53), ctx());
        assertThat(trace.errorDetails()).startsWith("NXDOMAIN: nope.good.vlab. does not exist (from ns1.good.vlab.");
        assertThat(trace.mappings()).isEmpty();
    }

    @Test
    void dnssecValidatesTheGoodZoneAndNamesTheBrokenLinkOfTheExpiredOne() throws Exception {
        DnsSecRecord good = new DnsSecEngine().run(new DnsSecEngine.Spec(DnsQuestion.parse("www.good.vlab A"), 53), ctx());
        assertThat(good.valid()).as(good.errorDetails()).isEqualTo(1);
        assertThat(good.errorDetails()).isNull();
        assertThat(good.status()).isEqualTo("SECURE");

        DnsSecRecord broken = new DnsSecEngine().run(new DnsSecEngine.Spec(DnsQuestion.parse("www.broken.vlab A"), 53), ctx());
        assertThat(broken.valid()).isZero();
        assertThat(broken.status()).isEqualTo("BOGUS");
        // the DNSKEY set's signature expired in 2020: dnsjava names the zone whose keys fail to verify
        assertThat(broken.errorDetails()).matches("Could not establish a chain of trust to keys for \\[broken.vlab.]\\. "
                + "Reason: Keyset not secured by DNSKEY that matches DS \\(the RRSIG by key \\d+ over broken.vlab. DNSKEY "
                + "expired at 2020-02-01 00:00:00 UTC\\)");

        DnsSecRecord mismatch = new DnsSecEngine().run(new DnsSecEngine.Spec(DnsQuestion.parse("www.mismatch.vlab A"), 53), ctx());
        assertThat(mismatch.valid()).isZero();
        assertThat(mismatch.status()).isEqualTo("BOGUS");
        assertThat(mismatch.errorDetails()).as(mismatch.errorDetails()).contains("[mismatch.vlab.]")
                .containsPattern("\\(DS mismatch: the DS for mismatch.vlab. in the parent \\(key tag \\d+\\) matches none of "
                        + "its DNSKEYs \\(key tag \\d+, \\d+\\)\\)");

        DnsSecRecord unsigned = new DnsSecEngine().run(new DnsSecEngine.Spec(DnsQuestion.parse("www.away.vlab A"), 53), ctx());
        assertThat(unsigned.valid()).isZero();
        assertThat(unsigned.status()).as(unsigned.errorDetails()).isEqualTo("INSECURE");
        assertThat(unsigned.errorDetails()).isEqualTo("insecure: the answer for www.away.vlab. A is not signed "
                + "(NSEC RRset for the referral proved no DS.)");

        // delv, validating through the lab resolver from the same anchor, agrees on every verdict
        assertThat(dns.delv("www.good.vlab", "A")).contains("; fully validated");
        assertThat(dns.delv("www.broken.vlab", "A")).contains("validating broken.vlab/DNSKEY: verify failed due to bad "
                + "signature").contains("RRSIG has expired").contains("resolution failed: broken trust chain");
        assertThat(dns.delv("www.mismatch.vlab", "A")).contains("validating mismatch.vlab/DNSKEY: no valid signature found (DS)");
        assertThat(dns.delv("www.away.vlab", "A")).contains("; unsigned answer");
    }

    @Test
    void withNetworkMeasurementsEachServerGetsItsNetworkRecord() throws Exception {
        ObjectNode definition = Json.MAPPER.createObjectNode().put("domain", "www.good.vlab A")
                .put("recursiveQueries", 0).put("networkMeasurements", 1);
        definition.putArray("dnsServers").add(Json.MAPPER.createObjectNode().put("serverId", 7).put("serverName", GOOD))
                .add(Json.MAPPER.createObjectNode().put("serverId", 8).put("serverName", TLD));
        Map<DataKind, List<ObjectNode>> out = DnsMeasurements.run("dns-server", definition, ctx());
        assertThat(out.get(DataKind.DNS_SERVER)).extracting(r -> r.path("serverId").asInt()).containsExactly(7, 8);
        assertThat(out.get(DataKind.NET_METRICS)).hasSize(2)
                .extracting(r -> r.path("serverIp").asText()).containsExactly(GOOD, TLD);
        assertThat(out.get(DataKind.NET_METRICS)).allSatisfy(r -> assertThat(r.path("loss").asDouble()).isZero());
    }
}
