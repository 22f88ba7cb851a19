package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.Report;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vantage measure dns-server|dns-trace|dns-dnssec}: the DNS engines alone, printed the way an operator
 * used to {@code dig}, {@code dig +trace} and {@code delv} reads them (the same records the data endpoints serve;
 * {@code --json} prints those).
 */
final class DnsMeasureCommand {
    private DnsMeasureCommand() {}

    @Command(name = "dns-server", mixinStandardHelpOptions = true,
            description = {"Asks each server for NAME TYPE (UDP, TCP when truncated, EDNS0), like dig @SERVER.",
                    "Example: vantage measure dns-server www.example.net A --server 192.0.2.53 --server ns1.example.net"})
    static final class DnsServer implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", arity = "0..1", paramLabel = "TYPE", description = "A, AAAA, ANY (default), NS, MX, SOA, TXT, ...")
        String type;
        @Option(names = {"-s", "--server"}, required = true, paramLabel = "HOST", description = "DNS server (name or address); repeatable")
        List<String> servers = new ArrayList<>();
        @Option(names = "--tcp", description = "Over TCP only (dnsTransportProtocol=TCP)") boolean tcp;
        @Option(names = "--norecurse", description = "RD=0 (recursiveQueries=0), like dig +norec") boolean norecurse;
        @Mixin MeasureCommand.Common common = new MeasureCommand.Common();
        @Mixin DnsOptions dns = new DnsOptions();
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = body(name, type, tcp);
            servers.forEach(s -> body.withArray("dnsServers").addObject().put("serverName", s));
            body.put("recursiveQueries", norecurse ? 0 : 1);
            return print("dns-server", body, common, dns, spec.commandLine().getOut());
        }
    }

    @Command(name = "dns-trace", mixinStandardHelpOptions = true,
            description = {"Resolves NAME TYPE iteratively from the root hints, like dig +trace.",
                    "Example: vantage measure dns-trace www.example.net A --dns-root-hints 127.0.53.1"})
    static final class DnsTrace implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", arity = "0..1", paramLabel = "TYPE") String type;
        @Option(names = "--tcp", description = "Over TCP only (dnsTransportProtocol=TCP)") boolean tcp;
        @Mixin MeasureCommand.Common common = new MeasureCommand.Common();
        @Mixin DnsOptions dns = new DnsOptions();
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return print("dns-trace", body(name, type, tcp), common, dns, spec.commandLine().getOut());
        }
    }

    @Command(name = "dns-dnssec", mixinStandardHelpOptions = true,
            description = {"Validates NAME TYPE from the trust anchor down, like delv.",
                    "Example: vantage measure dns-dnssec www.example.net A --dns-root-hints FILE --dns-trust-anchor FILE"})
    static final class DnsSec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", arity = "0..1", paramLabel = "TYPE") String type;
        @Mixin MeasureCommand.Common common = new MeasureCommand.Common();
        @Mixin DnsOptions dns = new DnsOptions();
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return print("dns-dnssec", body(name, type, false), common, dns, spec.commandLine().getOut());
        }
    }

    private static ObjectNode body(String name, String type, boolean tcp) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("domain", type == null ? name : name + " " + type);
        if (tcp) body.put("dnsTransportProtocol", "TCP");
        return body;
    }

    private static int print(String type, ObjectNode body, MeasureCommand.Common common, DnsOptions dns, PrintWriter out)
            throws Exception {
        Map<DataKind, List<ObjectNode>> records = MeasureCommand.measure(type, body, common, dns.engineOptions());
        if (common.json) {
            MeasureCommand.printJson(records, out);
        } else {
            String domain = body.path("domain").asText();
            StringBuilder text = new StringBuilder();
            for (ObjectNode r : records.getOrDefault(DataKind.DNS_SERVER, List.of())) server(domain, r, text);
            for (ObjectNode r : records.getOrDefault(DataKind.DNS_TRACE, List.of())) trace(domain, r, text);
            for (ObjectNode r : records.getOrDefault(DataKind.DNS_DNSSEC, List.of())) dnssec(domain, r, text);
            Map<DataKind, List<ObjectNode>> rest = new LinkedHashMap<>(records);
            rest.keySet().removeAll(List.of(DataKind.DNS_SERVER, DataKind.DNS_TRACE, DataKind.DNS_DNSSEC));
            if (!rest.isEmpty()) text.append('\n').append(Report.format(rest));
            out.print(text);
        }
        out.flush();
        return MeasureCommand.exitCode(records);
    }

    /** dig's closing lines per server, with the answer as the mappings. */
    private static void server(String domain, ObjectNode r, StringBuilder out) {
        out.append(";; SERVER: ").append(r.path("server").asText());
        if (r.hasNonNull("serverIp") && !r.path("serverIp").asText().equals(r.path("server").asText())) {
            out.append(" (").append(r.path("serverIp").asText()).append(')');
        }
        out.append("  serverId ").append(r.path("serverId").asText()).append('\n');
        out.append(";; QUESTION: ").append(domain).append('\n');
        if (r.hasNonNull("rcode")) {
            out.append(";; status: ").append(r.path("rcode").asText()).append(", flags: ").append(r.path("flags").asText())
                    .append(", over ").append(r.path("protocol").asText()).append(", ").append(r.path("queries").asText())
                    .append(" quer").append(r.path("queries").asInt() == 1 ? "y" : "ies").append('\n');
        }
        for (String line : r.path("mappings").asText("").split("\n")) if (!line.isEmpty()) out.append(line).append('\n');
        if (r.hasNonNull("resolutionTime")) out.append(";; Query time: ").append(r.path("resolutionTime").asText()).append(" msec\n");
        error(r, out);
        out.append('\n');
    }

    /** The walk as dig +trace prints it, then the record's summary. */
    private static void trace(String domain, ObjectNode r, StringBuilder out) {
        out.append("; <<>> vantage dns-trace <<>> ").append(domain).append("\n\n");
        out.append(r.path("output").asText(""));
        out.append(";; final server ").append(r.path("finalServerQueried").asText("-"))
                .append(", final query ").append(r.path("finalQueryTime").asText("-")).append(" ms, total ")
                .append(r.path("totalTime").asText("-")).append(" ms, ").append(r.path("queries").asText())
                .append(" queries (").append(r.path("failedQueries").asText()).append(" failed)\n");
        for (String line : r.path("mappings").asText("").split("\n")) if (!line.isEmpty()) out.append(";; mapping ").append(line).append('\n');
        error(r, out);
    }

    /** delv's verdict line, then the data that was validated. */
    private static void dnssec(String domain, ObjectNode r, StringBuilder out) {
        if (r.path("valid").asInt() == 1) out.append("; fully validated\n");
        else if ("INSECURE".equals(r.path("status").asText())) out.append("; unsigned answer\n");
        else out.append("; validation failed\n");
        for (String line : r.path("mappings").asText("").split("\n")) if (!line.isEmpty()) out.append(domain).append("\t").append(line).append('\n');
        out.append(";; valid ").append(r.path("valid").asText()).append(", ").append(r.path("queries").asText())
                .append(" queries in ").append(r.path("totalTime").asText()).append(" ms\n");
        error(r, out);
    }

    private static void error(JsonNode r, StringBuilder out) {
        String error = r.path("errorDetails").asText("");
        if (!error.isEmpty()) out.append(";; error: ").append(error).append('\n');
    }
}
