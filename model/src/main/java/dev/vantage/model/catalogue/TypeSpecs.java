package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.catalogue.FieldSpec.Kind;
import dev.vantage.model.catalogue.TypeSpec.Draft;
import dev.vantage.model.catalogue.TypeSpec.Network;
import dev.vantage.model.catalogue.TypeSpec.Rule;
import dev.vantage.model.codes.Codec;
import dev.vantage.model.codes.Dscp;
import dev.vantage.model.codes.SslVersion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static dev.vantage.model.catalogue.FieldSpec.code;
import static dev.vantage.model.catalogue.FieldSpec.computed;
import static dev.vantage.model.catalogue.FieldSpec.flag;
import static dev.vantage.model.catalogue.FieldSpec.ignored;
import static dev.vantage.model.catalogue.FieldSpec.integer;
import static dev.vantage.model.catalogue.FieldSpec.of;
import static dev.vantage.model.catalogue.FieldSpec.oneOf;
import static dev.vantage.model.catalogue.FieldSpec.readOnly;
import static dev.vantage.model.catalogue.FieldSpec.string;
import static dev.vantage.model.catalogue.FieldSpec.url;

/** The field tables of the twelve types (test-metadata.md §1–§4) and their per-type rules. */
final class TypeSpecs {
    private TypeSpecs() {}

    private static final int MAX = Integer.MAX_VALUE;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Fields every type has (§1); {@code testName}'s default is derived from the target by the catalogue. */
    static final List<FieldSpec> COMMON = List.of(
            string("testName"),
            string("description", ""),
            ignored("interval", 0),
            readOnly("enabled", IntNode.valueOf(1)),
            ignored("alertsEnabled", 0),
            readOnly("savedEvent", IntNode.valueOf(0)),
            readOnly("liveShare", IntNode.valueOf(0)),
            ignored("alertRules"),
            ignored("subinterval"),
            ignored("httpInterval"));

    // declared before ALL: the tables use it
    private static final List<FieldSpec> BGP_IGNORED = List.of(
            ignored("bgpMeasurements", 0), ignored("bgpMonitors"), ignored("usePublicBgp"));

    static final Map<TestType, TypeSpec> ALL = tables();

    static TypeSpec spec(TestType type) {
        return ALL.get(type);
    }

    private static Map<TestType, TypeSpec> tables() {
        Map<TestType, TypeSpec> m = new EnumMap<>(TestType.class);
        put(m, new TypeSpec(TestType.AGENT_TO_SERVER, fields(
                List.of(string("server").required(),
                        integer("port", 1, 65535),
                        oneOf("protocol", "TCP", "TCP", "ICMP"),
                        oneOf("probeMode", "AUTO", "AUTO", "SACK", "SYN"),
                        oneOf("pathTraceMode", "classic", "classic", "inSession"),
                        integer("numPathTraces", 3, 10, 3),
                        flag("mtuMeasurements", 1),
                        flag("bandwidthMeasurements", 0),
                        readOnly("networkMeasurements", IntNode.valueOf(1)),
                        readOnly("pingPayloadSize", IntNode.valueOf(-1)),
                        readOnly("ipv6Policy", TextNode.valueOf("USE_AGENT_POLICY"))),
                BGP_IGNORED),
                true, Network.ALWAYS, List.of(), d -> d.path("server").asText(),
                List.of(TypeSpecs::agentToServerTarget)));

        put(m, new TypeSpec(TestType.AGENT_TO_AGENT, fields(
                List.of(integer("targetAgentId", 1, MAX).required(),
                        oneOf("direction", "TO_TARGET", "TO_TARGET", "FROM_TARGET", "BIDIRECTIONAL"),
                        oneOf("protocol", "TCP", "TCP", "UDP"),
                        integer("port", 1, 65535, 49153),
                        dscpId(0),
                        computed("dscp"),
                        integer("mss", 30, 1400),
                        integer("numPathTraces", 3, 10, 3),
                        oneOf("pathTraceMode", "classic", "classic", "inSession"),
                        flag("throughputMeasurements", 0),
                        integer("throughputDuration", 5000, 30000, 10000),
                        integer("throughputRate", 0, 1000),
                        readOnly("networkMeasurements", IntNode.valueOf(1)),
                        readOnly("pingPayloadSize", IntNode.valueOf(-1)),
                        readOnly("ipv6Policy", TextNode.valueOf("USE_AGENT_POLICY")),
                        computed("server")),
                BGP_IGNORED),
                true, Network.ALWAYS, List.of(), d -> "Agent " + d.path("targetAgentId").asInt(),
                List.of(TypeSpecs::dscpLabel, TypeSpecs::throughputRateNeedsUdp)));

        put(m, new TypeSpec(TestType.HTTP_SERVER, fields(
                List.of(url("url", "http", "https").required()),
                httpOptions("NONE", "BASIC", "NTLM", "KERBEROS"),
                List.of(of("headers", Kind.STRING_ARRAY),
                        string("postBody"),
                        string("desiredStatusCode"),
                        integer("downloadLimit", 1, MAX),
                        of("dnsOverride", Kind.IP),
                        string("clientCertificate").secret()),
                networkBlock(3, 3, true)),
                true, Network.OPTIONAL, List.of(DataKind.WEB_HTTP_SERVER), d -> d.path("url").asText(),
                List.of(TypeSpecs::sslVersionLabel, TypeSpecs::customHeadersShape, TypeSpecs::desiredStatusCode,
                        TypeSpecs::bandwidthNeedsNetwork)));

        put(m, new TypeSpec(TestType.PAGE_LOAD, fields(
                List.of(url("url", "http", "https").required(),
                        integer("pageLoadTimeLimit", 5, 60, 10),
                        integer("pageLoadTargetTime", 1, 30, 6),
                        flag("includeHeaders", 1)),
                httpOptions("NONE", "BASIC", "NTLM", "KERBEROS"),
                networkBlock(3, 3, true)),
                false, Network.OPTIONAL, List.of(DataKind.WEB_HTTP_SERVER, DataKind.WEB_PAGE_LOAD),
                d -> d.path("url").asText(),
                List.of(TypeSpecs::sslVersionLabel, TypeSpecs::customHeadersShape, TypeSpecs::pageLoadLimits,
                        TypeSpecs::bandwidthNeedsNetwork)));

        put(m, new TypeSpec(TestType.TRANSACTIONS, List.of(
                url("url", "http", "https").required(),
                of("transactionSteps", Kind.ARRAY),
                string("transactionScript").secret(),
                integer("startStep", 0, MAX, 0),
                integer("endStep", 0, MAX),
                integer("timeLimit", 5, 180, 30),
                integer("targetTime", 1, 60),
                oneOf("authType", "NONE", "NONE", "BASIC", "KERBEROS"),
                string("username"),
                string("password").secret(),
                string("userAgent"),
                of("customHeaders", Kind.OBJECT),
                flag("includeHeaders", 1),
                computed("totalSteps")),
                false, Network.NONE, List.of(DataKind.WEB_TRANSACTIONS), d -> d.path("url").asText(),
                List.of(TypeSpecs::transactionSteps, TypeSpecs::customHeadersShape, TypeSpecs::defaultTargetTime)));

        put(m, new TypeSpec(TestType.WEB_TRANSACTIONS, fields(
                List.of(url("url", "http", "https").required(),
                        string("transactionScript").required(),
                        of("credentials", Kind.INT_ARRAY).withDefault(NODES.arrayNode()),
                        integer("timeLimit", 5, 180, 30),
                        integer("targetTime", 1, 60),
                        string("desiredStatusCode"),
                        flag("includeHeaders", 1)),
                httpOptions("NONE", "BASIC", "NTLM", "KERBEROS"),
                networkBlock(3, 3, true)),
                false, Network.OPTIONAL, List.of(DataKind.WEB_WEB_TRANSACTIONS), d -> d.path("url").asText(),
                List.of(TypeSpecs::sslVersionLabel, TypeSpecs::customHeadersShape, TypeSpecs::desiredStatusCode,
                        TypeSpecs::defaultTargetTime, TypeSpecs::bandwidthNeedsNetwork)));

        put(m, new TypeSpec(TestType.FTP_SERVER, fields(
                List.of(url("url", "ftp", "ftps", "sftp").required(),
                        oneOf("requestType", null, "Download", "Upload", "List").required(),
                        string("username").required(),
                        string("password").required().secret(),
                        integer("downloadLimit", 1, MAX),
                        integer("ftpTimeLimit", 10, 60, 10),
                        integer("ftpTargetTime", 1000, 6000, 1000),
                        flag("useActiveFtp", 0),
                        flag("useExplicitFtps", 0)),
                networkBlock(3, 3, true)),
                true, Network.OPTIONAL, List.of(DataKind.WEB_FTP_SERVER), d -> d.path("url").asText(),
                List.of(TypeSpecs::ftpUrl, TypeSpecs::bandwidthNeedsNetwork)));

        put(m, new TypeSpec(TestType.DNS_TRACE, List.of(
                of("domain", Kind.DOMAIN).required(),
                oneOf("dnsTransportProtocol", "UDP", "UDP", "TCP"),
                readOnly("dnsQueryClass", TextNode.valueOf("IN"))),
                false, Network.NONE, List.of(DataKind.DNS_TRACE), d -> d.path("domain").asText(), List.of()));

        put(m, new TypeSpec(TestType.DNS_SERVER, fields(
                List.of(of("domain", Kind.DOMAIN).required(),
                        of("dnsServers", Kind.ARRAY).required(),
                        oneOf("dnsTransportProtocol", "UDP", "UDP", "TCP"),
                        flag("recursiveQueries", 1),
                        readOnly("dnsQueryClass", TextNode.valueOf("IN"))),
                networkBlock(1, 1, true)),
                false, Network.OPTIONAL, List.of(DataKind.DNS_SERVER), d -> d.path("domain").asText(),
                List.of(TypeSpecs::dnsServers, TypeSpecs::bandwidthNeedsNetwork)));

        put(m, new TypeSpec(TestType.DNS_DNSSEC, List.of(
                of("domain", Kind.DOMAIN).required(),
                readOnly("dnsQueryClass", TextNode.valueOf("IN"))),
                false, Network.NONE, List.of(DataKind.DNS_DNSSEC), d -> d.path("domain").asText(), List.of()));

        // The SIP target fields arrive nested in targetSipCredentials; the catalogue flattens them first.
        // The SIP protocol takes the place of the network block's protocol (the flat definition has one).
        put(m, new TypeSpec(TestType.SIP_SERVER, fields(
                List.of(of("sipRegistrar", Kind.HOST).required(),
                        integer("port", 1024, 65535).required(),
                        oneOf("protocol", "TCP", "TCP", "TLS", "UDP"),
                        string("authUser"),
                        string("password").secret(),
                        string("user"),
                        string("sipProxy", ""),
                        flag("registerEnabled", 0),
                        integer("sipTimeLimit", 5, 10, 5),
                        integer("sipTargetTime", 100, 5000, 1000),
                        of("optionsRegex", Kind.REGEX).withDefault(TextNode.valueOf("")),
                        computed("server")),
                networkBlock(3, 3, false)),
                true, Network.OPTIONAL, List.of(DataKind.VOICE_SIP_SERVER), d -> d.path("sipRegistrar").asText(),
                List.of(TypeSpecs::sipProxy, TypeSpecs::sipServer, TypeSpecs::bandwidthNeedsNetwork)));

        put(m, new TypeSpec(TestType.VOICE, fields(
                List.of(integer("targetAgentId", 1, MAX).required(),
                        code("codecId", 0, Arrays.stream(Codec.values()).mapToInt(Codec::id).toArray()),
                        computed("codec"),
                        dscpId(46),
                        computed("dscp"),
                        integer("duration", 5, 30, 5),
                        integer("jitterBuffer", 0, 150, 40),
                        integer("numPathTraces", 3, 10, 3),
                        integer("port", 1, 65535, 49152),
                        computed("server")),
                BGP_IGNORED),
                true, Network.ALWAYS, List.of(DataKind.VOICE_RTP_STREAM),
                d -> "Agent " + d.path("targetAgentId").asInt(),
                List.of(TypeSpecs::dscpLabel, TypeSpecs::codecLabel)));
        return m;
    }

    private static void put(Map<TestType, TypeSpec> m, TypeSpec spec) {
        m.put(spec.type(), spec);
    }

    @SafeVarargs
    private static List<FieldSpec> fields(List<FieldSpec>... blocks) {
        return Stream.of(blocks).flatMap(List::stream).toList();
    }

    // ---- shared blocks ----

    /** The network-measurement block (§2.1). */
    private static List<FieldSpec> networkBlock(int minTraces, int defaultTraces, boolean withProtocol) {
        List<FieldSpec> block = new ArrayList<>();
        block.add(flag("networkMeasurements", 1));
        if (withProtocol) block.add(oneOf("protocol", "TCP", "TCP", "ICMP"));
        block.add(oneOf("probeMode", "AUTO", "AUTO", "SACK", "SYN"));
        block.add(oneOf("pathTraceMode", "classic", "classic", "inSession"));
        block.add(integer("numPathTraces", minTraces, 10, defaultTraces));
        block.add(flag("mtuMeasurements", 1));
        block.add(flag("bandwidthMeasurements", 0));
        block.add(readOnly("ipv6Policy", TextNode.valueOf("USE_AGENT_POLICY")));
        block.add(readOnly("pingPayloadSize", IntNode.valueOf(-1)));
        block.addAll(BGP_IGNORED);
        return block;
    }

    /** The HTTP options block (§2.2). */
    private static List<FieldSpec> httpOptions(String... authTypes) {
        return List.of(
                oneOf("authType", "NONE", authTypes),
                string("username"),
                string("password").secret(),
                flag("useNtlm", 0),
                integer("httpTimeLimit", 5, 60, 5),
                integer("httpTargetTime", 100, 5000, 1000),
                code("httpVersion", 2, 1, 2),
                code("sslVersionId", 0, Arrays.stream(SslVersion.values()).mapToInt(SslVersion::id).toArray()),
                computed("sslVersion"),
                flag("verifyCertificate", 1),
                flag("followRedirects", 1),
                string("userAgent"),
                of("customHeaders", Kind.OBJECT),
                of("contentRegex", Kind.REGEX).withDefault(TextNode.valueOf("")));
    }

    private static FieldSpec dscpId(int defaultId) {
        return code("dscpId", defaultId, Arrays.stream(Dscp.values()).mapToInt(Dscp::id).toArray());
    }

    // ---- rules ----

    /**
     * agent-to-server: {@code server} is a host (a {@code host:port} form is accepted when {@code port} is not
     * sent); {@code port} is refused with ICMP and defaults to 80 with TCP; the echoed {@code server} is
     * {@code host:port} for TCP and the plain host for ICMP.
     */
    private static void agentToServerTarget(Draft d) throws InvalidTestException {
        String sent = d.textOf("server").strip();
        String host = sent;
        Integer portInServer = null;
        int colon = sent.lastIndexOf(':');
        boolean bracketed = sent.startsWith("[");
        if (colon > 0 && (bracketed || sent.indexOf(':') == colon)) {
            String tail = sent.substring(colon + 1);
            if (tail.matches("\\d{1,5}") && (!bracketed || sent.charAt(colon - 1) == ']')) {
                host = sent.substring(0, colon);
                portInServer = Integer.parseInt(tail);
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) throw d.error("server must not be empty");
        if (!FieldSpec.isHost(host)) {
            throw d.error("server must be a host name or IP address, got " + FieldSpec.shown(TextNode.valueOf(sent)));
        }
        boolean icmp = d.textOf("protocol").equals("ICMP");
        if (portInServer != null) {
            if (d.definition().has("port")) throw d.error("server names a port (" + portInServer
                    + ") and port is also sent; send the port in one place");
            if (icmp) throw d.error("server must not name a port with protocol ICMP, got "
                    + FieldSpec.shown(TextNode.valueOf(sent)));
            if (portInServer < 1 || portInServer > 65535) {
                throw d.error("server port must be between 1 and 65535, got " + portInServer);
            }
            d.definition().put("port", portInServer);
        }
        if (icmp) {
            if (d.definition().has("port")) throw d.error("port must not be sent with protocol ICMP");
            d.definition().put("server", host);
        } else {
            if (!d.definition().has("port")) d.definition().put("port", 80);
            String shownHost = host.contains(":") ? "[" + host + "]" : host;
            d.definition().put("server", shownHost + ":" + d.intOf("port"));
        }
    }

    private static void throughputRateNeedsUdp(Draft d) throws InvalidTestException {
        if (d.definition().has("throughputRate") && !d.textOf("protocol").equals("UDP")) {
            throw d.error("throughputRate is only allowed with protocol UDP, got protocol " + d.textOf("protocol"));
        }
    }

    private static void dscpLabel(Draft d) {
        d.definition().put("dscp", Dscp.byId(d.intOf("dscpId")).orElseThrow().label());
    }

    private static void codecLabel(Draft d) {
        d.definition().put("codec", Codec.byId(d.intOf("codecId")).orElseThrow().label());
    }

    private static void sslVersionLabel(Draft d) {
        d.definition().put("sslVersion", SslVersion.byId(d.intOf("sslVersionId")).orElseThrow().label());
    }

    private static void bandwidthNeedsNetwork(Draft d) throws InvalidTestException {
        if (d.intOf("bandwidthMeasurements") == 1 && d.intOf("networkMeasurements") != 1) {
            throw d.error("bandwidthMeasurements must be 0 when networkMeasurements is 0");
        }
    }

    /**
     * ftp-server: the url is echoed (and names the test), so it may not carry a password; the FTP mode switches
     * only where they mean something (ftps:// is implicit FTPS, sftp:// is SSH with no separate data connection).
     */
    private static void ftpUrl(Draft d) throws InvalidTestException {
        java.net.URI url = java.net.URI.create(d.textOf("url"));
        if (url.getRawUserInfo() != null) {
            throw d.error("url must not carry credentials; give them in username and password");
        }
        String scheme = url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (d.intOf("useExplicitFtps") == 1 && !scheme.equals("ftp")) {
            throw d.error("useExplicitFtps=1 needs an ftp:// url (ftps:// is implicit FTPS, sftp:// is SSH), got "
                    + scheme + "://");
        }
        if (d.intOf("useActiveFtp") == 1 && scheme.equals("sftp")) {
            throw d.error("useActiveFtp=1 does not apply to sftp:// (SFTP has no separate data connection)");
        }
    }

    /** {@code customHeaders}: {"root": {name: value}, "domains": {host: {name: value}}, "all": {name: value}}. */
    private static void customHeadersShape(Draft d) throws InvalidTestException {
        JsonNode headers = d.definition().get("customHeaders");
        if (headers == null) return;
        for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String label = "customHeaders." + e.getKey();
            switch (e.getKey()) {
                case "root", "all" -> headerMap(e.getValue(), label);
                case "domains" -> {
                    if (!e.getValue().isObject()) throw d.error(label + " must be an object of host -> headers");
                    for (Iterator<Map.Entry<String, JsonNode>> hosts = e.getValue().fields(); hosts.hasNext(); ) {
                        Map.Entry<String, JsonNode> host = hosts.next();
                        headerMap(host.getValue(), label + "." + host.getKey());
                    }
                }
                default -> throw d.error("customHeaders may only have the keys root, domains and all, got "
                        + FieldSpec.shown(TextNode.valueOf(e.getKey())));
            }
        }
    }

    private static void headerMap(JsonNode map, String label) throws InvalidTestException {
        if (!map.isObject()) {
            throw new InvalidTestException(label + " must be an object of header name -> value, got "
                    + FieldSpec.shown(map));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new InvalidTestException(label + " has an invalid header name "
                        + FieldSpec.shown(TextNode.valueOf(e.getKey())));
            }
            FieldSpec.text(e.getValue(), label + "." + e.getKey());
        }
    }

    private static void desiredStatusCode(Draft d) throws InvalidTestException {
        if (!d.definition().has("desiredStatusCode")) return;
        String code = d.textOf("desiredStatusCode");
        if (code.isEmpty()) {
            d.definition().remove("desiredStatusCode"); // "" means the default success rule
        } else if (!code.matches("[1-5]\\d\\d")) {
            throw d.error("desiredStatusCode must be an HTTP status code between \"100\" and \"599\", got "
                    + FieldSpec.shown(TextNode.valueOf(code)));
        }
    }

    private static void pageLoadLimits(Draft d) throws InvalidTestException {
        int pageLimit = d.intOf("pageLoadTimeLimit");
        int httpLimit = d.intOf("httpTimeLimit");
        if (pageLimit <= httpLimit) {
            throw d.error("pageLoadTimeLimit must be greater than httpTimeLimit (" + httpLimit + "), got " + pageLimit);
        }
        int target = d.intOf("pageLoadTargetTime");
        if (target > pageLimit) {
            throw d.error("pageLoadTargetTime must not exceed pageLoadTimeLimit (" + pageLimit + "), got " + target);
        }
    }

    /** transactions: steps or script; steps numbered 0..n-1 win over the script; start/end steps within them. */
    private static void transactionSteps(Draft d) throws InvalidTestException {
        ObjectNode def = d.definition();
        JsonNode steps = def.get("transactionSteps");
        if (steps == null && !d.secrets().has("transactionScript")) {
            throw d.error("transactionSteps or transactionScript is required");
        }
        if (steps == null) {
            if (d.secrets().path("transactionScript").asText().isBlank()) {
                throw d.error("transactionScript must not be empty");
            }
            return;
        }
        if (steps.isEmpty()) throw d.error("transactionSteps must not be empty");
        ArrayNode clean = NODES.arrayNode();
        for (int i = 0; i < steps.size(); i++) {
            String label = "transactionSteps[" + i + "]";
            JsonNode step = steps.get(i);
            if (!step.isObject()) throw d.error(label + " must be an object, got " + FieldSpec.shown(step));
            JsonNode num = step.get("stepNum");
            if (num == null || num.isNull()) throw d.error(label + ".stepNum is required");
            int stepNum = FieldSpec.intIn(num, label + ".stepNum", 0, MAX, "an integer of at least 0");
            if (stepNum != i) {
                throw d.error(label + ".stepNum must be " + i + " (steps are numbered from 0 without gaps), got "
                        + stepNum);
            }
            ObjectNode out = clean.addObject().put("stepNum", stepNum);
            for (String field : List.of("stepName", "command", "target")) {
                JsonNode v = step.get(field);
                if (v == null || v.isNull()) throw d.error(label + "." + field + " is required");
                out.put(field, FieldSpec.nonEmptyText(v, label + "." + field));
            }
            JsonNode value = step.get("value");
            if (value != null && !value.isNull()) out.put("value", FieldSpec.text(value, label + ".value"));
        }
        def.set("transactionSteps", clean);
        d.secrets().remove("transactionScript"); // steps win over the script
        int last = clean.size() - 1;
        if (!def.has("endStep")) def.put("endStep", last);
        int start = d.intOf("startStep");
        int end = d.intOf("endStep");
        if (end > last) throw d.error("endStep must be at most " + last + " (the last stepNum), got " + end);
        if (start > end) throw d.error("startStep must not exceed endStep (" + end + "), got " + start);
        def.put("totalSteps", clean.size());
    }

    /** targetTime defaults to half of timeLimit (within its own range 1–60). */
    private static void defaultTargetTime(Draft d) {
        if (!d.definition().has("targetTime")) {
            d.definition().put("targetTime", Math.clamp(d.intOf("timeLimit") / 2, 1, 60));
        }
    }

    /** dns-server: [{"serverName": host}] — host names gain the trailing dot v6 shows; each server gets its serverId. */
    private static void dnsServers(Draft d) throws InvalidTestException {
        JsonNode servers = d.definition().get("dnsServers");
        if (servers.isEmpty()) throw d.error("dnsServers must not be empty");
        ArrayNode clean = NODES.arrayNode();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < servers.size(); i++) {
            String label = "dnsServers[" + i + "]";
            JsonNode server = servers.get(i);
            if (!server.isObject()) {
                throw d.error(label + " must be an object {\"serverName\": ...}, got " + FieldSpec.shown(server));
            }
            JsonNode name = server.get("serverName");
            if (name == null || name.isNull()) throw d.error(label + ".serverName is required");
            String host = FieldSpec.nonEmptyText(name, label + ".serverName").strip();
            if (!FieldSpec.isHost(host)) {
                throw d.error(label + ".serverName must be a host name or IP address, got " + FieldSpec.shown(name));
            }
            if (!FieldSpec.isIpLiteral(host) && !host.endsWith(".")) host = host + ".";
            // serverId: the server's position in this test (1, 2, ...); /v6/dns/server/{testId}/{serverId} selects by it
            if (seen.add(host)) clean.addObject().put("serverId", clean.size()).put("serverName", host);
        }
        d.definition().set("dnsServers", clean);
    }

    private static void sipProxy(Draft d) throws InvalidTestException {
        String proxy = d.textOf("sipProxy");
        if (!proxy.isEmpty() && !FieldSpec.isHost(proxy)) {
            throw d.error(d.label("sipProxy") + " must be a host name or IP address, got "
                    + FieldSpec.shown(TextNode.valueOf(proxy)));
        }
    }

    private static void sipServer(Draft d) {
        String host = d.textOf("sipRegistrar");
        d.definition().put("server", (host.contains(":") ? "[" + host + "]" : host) + ":" + d.intOf("port"));
    }
}
