package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.EngineOptions;
import dev.vantage.measure.Measurements;
import dev.vantage.measure.Report;
import dev.vantage.measure.Warmup;
import dev.vantage.measure.RunContext;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.model.catalogue.InvalidTestException;
import dev.vantage.model.catalogue.TestCatalogue;
import dev.vantage.model.catalogue.ValidatedTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs one engine alone, without server or database, and prints what the data endpoint would show. */
@Command(name = "measure", mixinStandardHelpOptions = true,
        description = {"Runs one measurement here and prints its records (no server needed).",
                "Fields are validated and defaulted as for POST /v6/instant/{testType}.",
                "Exit code 0 when the measurement succeeded, 1 when a record reports an error, 2 for bad options."},
        subcommands = {MeasureCommand.HttpServer.class, MeasureCommand.AgentToServer.class, MeasureSipCommand.class,
                DnsMeasureCommand.DnsServer.class, DnsMeasureCommand.DnsTrace.class, DnsMeasureCommand.DnsSec.class,
                MeasureAgentToAgent.class, VoiceCommands.Measure.class, MeasureFtpServerCommand.class})
final class MeasureCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new Main.UsageError("name a test type: vantage measure http-server --url URL | "
                + "vantage measure agent-to-server --server HOST:PORT | "
                + "vantage measure dns-server|dns-trace|dns-dnssec NAME [TYPE] (see --help)");
    }

    /** Options every measure subcommand has. */
    static final class Common {
        @Option(names = "--json", description = "Print the records as JSON instead of the report")
        boolean json;

        @Option(names = "--field", paramLabel = "NAME=VALUE",
                description = "Any other test field (value as JSON, else text), e.g. --field httpTimeLimit=10; repeatable")
        List<String> fields = new ArrayList<>();

        @Option(names = "--network", description = "Also measure the network to the target (networkMeasurements=1)")
        boolean network;
    }

    /** Validates like the instant API, runs the engine and prints the report or JSON. */
    static int run(String type, ObjectNode body, Common common, java.io.PrintWriter out) throws InterruptedException, IOException {
        Map<DataKind, List<ObjectNode>> records = measure(type, body, common, EngineOptions.DEFAULT);
        if (common.json) {
            printJson(records, out);
        } else {
            printReport(records, out);
        }
        out.flush();
        return exitCode(records);
    }

    /** Validates {@code body} as POST /v6/instant/{type} would, and runs the engine here with the given agent options. */
    static Map<DataKind, List<ObjectNode>> measure(String type, ObjectNode body, Common common, EngineOptions options)
            throws InterruptedException {
        body.put("networkMeasurements", common.network ? 1 : 0);
        for (String field : common.fields) {
            int eq = field.indexOf('=');
            if (eq <= 0) throw new Main.UsageError("--field wants NAME=VALUE, got '" + field + "'");
            body.set(field.substring(0, eq), value(field.substring(eq + 1)));
        }
        // The catalogue wants agents; the measuring agent is this process.
        body.putArray("agents").addObject().put("agentId", 1);
        ValidatedTest test;
        try {
            test = new TestCatalogue().validateInstant(type, body);
        } catch (InvalidTestException e) {
            throw new Main.UsageError(e.getMessage());
        }
        ObjectNode definition = test.definition().deepCopy();
        if (test.secrets() != null) definition.setAll(test.secrets());
        Warmup.run(type); // a cold JVM would otherwise inflate the phases of this single run
        RunContext ctx = RunContext.withTimeoutMillis(120_000, "vantage-cli").withOptions(options);
        return Measurements.run(type, definition, ctx);
    }

    /** The records as aligned lines, then each path trace as an mtr-like hop table. */
    static void printReport(Map<DataKind, List<ObjectNode>> records, java.io.PrintWriter out) {
        out.print(Report.format(records));
        for (ObjectNode pathVis : records.getOrDefault(DataKind.NET_PATH_VIS, List.of())) {
            out.println();
            out.print(dev.vantage.measure.net.HopTable.format(pathVis));
        }
    }

    static void printJson(Map<DataKind, List<ObjectNode>> records, java.io.PrintWriter out) throws IOException {
        Map<String, List<ObjectNode>> byEndpoint = new LinkedHashMap<>();
        records.forEach((kind, list) -> byEndpoint.put(kind.path(), list));
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(byEndpoint));
    }

    /** Like curl: a measurement that failed (any record with errorDetails or problemDetail) exits 1, so scripts can tell. */
    static int exitCode(Map<DataKind, List<ObjectNode>> records) {
        boolean failed = records.values().stream().flatMap(List::stream)
                .anyMatch(r -> !r.path("errorDetails").asText("").isEmpty() || !r.path("problemDetail").asText("").isEmpty());
        return failed ? 1 : 0;
    }

    private static JsonNode value(String text) {
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            if (node != null && !node.isMissingNode()) return node;
        } catch (IOException notJson) {
            // plain text
        }
        return Json.MAPPER.getNodeFactory().textNode(text);
    }

    @Command(name = "http-server", mixinStandardHelpOptions = true,
            description = "HTTP(S) request timings like curl -w: DNS, connect, TLS, wait, receive, total.")
    static final class HttpServer implements Callable<Integer> {
        @Option(names = "--url", required = true, description = "http:// or https:// URL")
        String url;

        @Option(names = "--time-limit", paramLabel = "SECONDS", description = "httpTimeLimit (default 5)")
        Integer timeLimit;

        @Option(names = "--insecure", description = "Do not verify the server certificate (verifyCertificate=0)")
        boolean insecure;

        @Option(names = "--no-follow-redirects", description = "Do not follow redirects (followRedirects=0)")
        boolean noRedirects;

        @Option(names = "--status", paramLabel = "CODE", description = "desiredStatusCode, e.g. 200")
        String status;

        @Option(names = "--content-regex", paramLabel = "REGEX", description = "contentRegex the body must match")
        String contentRegex;

        @Option(names = "--post-body", paramLabel = "TEXT", description = "Send TEXT as a POST body")
        String postBody;

        @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "Request header; repeatable")
        List<String> headers = new ArrayList<>();

        @Mixin
        Common common = new Common();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.MAPPER.createObjectNode().put("url", url);
            if (timeLimit != null) body.put("httpTimeLimit", timeLimit);
            if (insecure) body.put("verifyCertificate", 0);
            if (noRedirects) body.put("followRedirects", 0);
            if (status != null) body.put("desiredStatusCode", status);
            if (contentRegex != null) body.put("contentRegex", contentRegex);
            if (postBody != null) body.put("postBody", postBody);
            if (!headers.isEmpty()) headers.forEach(body.putArray("headers")::add);
            return run("http-server", body, common, spec.commandLine().getOut());
        }
    }

    @Command(name = "agent-to-server", mixinStandardHelpOptions = true,
            description = {"Network metrics to HOST[:PORT]: loss, latency (min/avg/max), jitter, path MTU, and the",
                    "path traces as an mtr --report-like hop table. Raw-socket probes need root or CAP_NET_RAW;",
                    "without them TCP connects and a UDP trace are used (the output says which)."})
    static final class AgentToServer implements Callable<Integer> {
        @Option(names = "--protocol", description = "TCP (default) or ICMP")
        String protocol;

        @Option(names = "--traces", description = "numPathTraces, 3..10 (default 3)")
        Integer traces;

        @Option(names = "--probe-mode", description = "AUTO, SACK or SYN (TCP; SACK runs as SYN, see README)")
        String probeMode;

        @Option(names = "--no-mtu", description = "Skip path MTU discovery (mtuMeasurements=0)")
        boolean noMtu;

        @Option(names = "--bandwidth", description = "Also estimate capacity and available bandwidth (bandwidthMeasurements=1; TCP, needs CAP_NET_RAW)")
        boolean bandwidth;

        @Option(names = "--server", required = true, paramLabel = "HOST[:PORT]", description = "Target host and port")
        String server;

        @Option(names = "--port", description = "Target port when --server has none (default 80)")
        Integer port;

        @Option(names = "--json", description = "Print the records as JSON instead of the report")
        boolean json;

        @Option(names = "--field", paramLabel = "NAME=VALUE", description = "Any other test field; repeatable")
        List<String> fields = new ArrayList<>();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.MAPPER.createObjectNode().put("server", server);
            if (port != null) body.put("port", port);
            if (protocol != null) body.put("protocol", protocol.toUpperCase(java.util.Locale.ROOT));
            if (traces != null) body.put("numPathTraces", traces);
            if (probeMode != null) body.put("probeMode", probeMode.toUpperCase(java.util.Locale.ROOT));
            if (noMtu) body.put("mtuMeasurements", 0);
            if (bandwidth) body.put("bandwidthMeasurements", 1);
            Common common = new Common();
            common.json = json;
            common.fields = fields;
            common.network = true;
            return run("agent-to-server", body, common, spec.commandLine().getOut());
        }
    }
}
