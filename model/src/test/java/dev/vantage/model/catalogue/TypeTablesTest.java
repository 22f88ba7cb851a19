package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.List;

import static dev.vantage.model.catalogue.InstantTypesTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The field tables of every type, through {@code validate} (the type rules without the "engine built" gate, which
 * {@link InstantTypesTest} covers): minimal bodies echo the spec's defaults, and every kind of error names its field.
 */
class TypeTablesTest {
    private final TestCatalogue catalogue = new TestCatalogue();

    private static final String COMMON = """
            "description":"","interval":0,"enabled":1,"alertsEnabled":0,"savedEvent":0,"liveShare":0,""";
    private static final String NETWORK_BLOCK = """
            "networkMeasurements":1,"protocol":"TCP","probeMode":"AUTO","pathTraceMode":"classic","numPathTraces":3,
            "mtuMeasurements":1,"bandwidthMeasurements":0,"ipv6Policy":"USE_AGENT_POLICY","pingPayloadSize":-1,
            "bgpMeasurements":0""";
    private static final String HTTP_OPTIONS = """
            "authType":"NONE","useNtlm":0,"httpTimeLimit":5,"httpTargetTime":1000,"httpVersion":2,"sslVersionId":0,
            "sslVersion":"Auto","verifyCertificate":1,"followRedirects":1,"contentRegex":\"\"""";

    private ValidatedTest valid(TestType type, String body) throws InvalidTestException {
        return catalogue.validate(type, json(body));
    }

    private String refusal(TestType type, String body) {
        return assertThrows(InvalidTestException.class, () -> catalogue.validate(type, json(body))).getMessage();
    }

    /** A minimal valid body of each type, with {@code extra} fields spliced in (extra is "" or ends with a comma). */
    static String minimal(TestType type, String extra) {
        String agents = "\"agents\":[{\"agentId\":1}]";
        String target = switch (type) {
            case AGENT_TO_SERVER -> "\"server\":\"www.example.net\"";
            case AGENT_TO_AGENT, VOICE -> "\"targetAgentId\":2";
            case HTTP_SERVER, PAGE_LOAD -> "\"url\":\"https://a.example/\"";
            case TRANSACTIONS -> "\"url\":\"https://a.example/\",\"transactionSteps\":"
                    + "[{\"stepNum\":0,\"stepName\":\"open\",\"command\":\"open\",\"target\":\"/\"}]";
            case WEB_TRANSACTIONS -> "\"url\":\"https://a.example/\",\"transactionScript\":\"runScript();\"";
            case FTP_SERVER -> "\"url\":\"ftp://a.example/f\",\"requestType\":\"Download\","
                    + "\"username\":\"anonymous\",\"password\":\"p\"";
            case DNS_TRACE, DNS_DNSSEC -> "\"domain\":\"www.example.net A\"";
            case DNS_SERVER -> "\"domain\":\"www.example.net A\",\"dnsServers\":[{\"serverName\":\"ns1.example.net\"}]";
            case SIP_SERVER -> "\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":5060}";
        };
        return "{" + extra + agents + "," + target + "}";
    }

    // ---- minimal bodies: the echoed defaults per type ----

    @Test
    void agentToAgentDefaults() throws Exception {
        ValidatedTest t = valid(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"agent-to-agent\",\"testName\":\"Agent 2\"," + COMMON + """
                "targetAgentId":2,"direction":"TO_TARGET","protocol":"TCP","port":49153,"dscpId":0,
                "dscp":"Best Effort (DSCP 0)","numPathTraces":3,"pathTraceMode":"classic","throughputMeasurements":0,
                "throughputDuration":10000,"networkMeasurements":1,"pingPayloadSize":-1,"ipv6Policy":"USE_AGENT_POLICY",
                "bgpMeasurements":0}"""));
        assertThat(t.targetAgentId()).isEqualTo(2);
        assertThat(t.dataKinds()).containsExactly(DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void pageLoadDefaults() throws Exception {
        ValidatedTest t = valid(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"page-load\",\"testName\":\"https://a.example/\","
                + COMMON + """
                "url":"https://a.example/","pageLoadTimeLimit":10,"pageLoadTargetTime":6,"includeHeaders":1,"""
                + HTTP_OPTIONS + "," + NETWORK_BLOCK + "}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.WEB_HTTP_SERVER, DataKind.WEB_PAGE_LOAD,
                DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void transactionsDefaults() throws Exception {
        ValidatedTest t = valid(TestType.TRANSACTIONS, minimal(TestType.TRANSACTIONS, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"transactions\",\"testName\":\"https://a.example/\","
                + COMMON + """
                "url":"https://a.example/",
                "transactionSteps":[{"stepNum":0,"stepName":"open","command":"open","target":"/"}],
                "startStep":0,"endStep":0,"timeLimit":30,"targetTime":15,"authType":"NONE","includeHeaders":1,
                "totalSteps":1}"""));
        assertThat(t.dataKinds()).containsExactly(DataKind.WEB_TRANSACTIONS);
    }

    @Test
    void webTransactionsDefaults() throws Exception {
        ValidatedTest t = valid(TestType.WEB_TRANSACTIONS, minimal(TestType.WEB_TRANSACTIONS, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"web-transactions\",\"testName\":\"https://a.example/\","
                + COMMON + """
                "url":"https://a.example/","transactionScript":"runScript();","credentials":[],"timeLimit":30,
                "targetTime":15,"includeHeaders":1,""" + HTTP_OPTIONS + "," + NETWORK_BLOCK + "}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.WEB_WEB_TRANSACTIONS, DataKind.NET_METRICS,
                DataKind.NET_PATH_VIS);
    }

    @Test
    void ftpServerDefaultsAndThePasswordIsASecret() throws Exception {
        ValidatedTest t = valid(TestType.FTP_SERVER, minimal(TestType.FTP_SERVER, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"ftp-server\",\"testName\":\"ftp://a.example/f\","
                + COMMON + """
                "url":"ftp://a.example/f","requestType":"Download","username":"anonymous","ftpTimeLimit":10,
                "ftpTargetTime":1000,"useActiveFtp":0,"useExplicitFtps":0,""" + NETWORK_BLOCK + "}"));
        assertThat(t.secrets()).isEqualTo(json("{\"password\":\"p\"}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.WEB_FTP_SERVER, DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void dnsTraceDefaultsTheRecordTypeToAny() throws Exception {
        ValidatedTest t = valid(TestType.DNS_TRACE, "{\"agents\":[{\"agentId\":1}],\"domain\":\"www.example.net\"}");
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"dns-trace\",\"testName\":\"www.example.net ANY\","
                + COMMON + "\"domain\":\"www.example.net ANY\",\"dnsTransportProtocol\":\"UDP\",\"dnsQueryClass\":\"IN\"}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.DNS_TRACE);
    }

    @Test
    void dnsServerDefaultsAndServerNames() throws Exception {
        ValidatedTest t = valid(TestType.DNS_SERVER, """
                {"agents":[{"agentId":1}],"domain":"www.example.net a","dnsServers":[{"serverName":"ns1.example.net"},
                 {"serverName":"192.0.2.53","serverId":99},{"serverName":"ns1.example.net."},{"serverName":"ns2.example.net."}]}""");
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"dns-server\",\"testName\":\"www.example.net A\","
                + COMMON + """
                "domain":"www.example.net A",
                "dnsServers":[{"serverId":1,"serverName":"ns1.example.net."},{"serverId":2,"serverName":"192.0.2.53"},
                 {"serverId":3,"serverName":"ns2.example.net."}],
                "dnsTransportProtocol":"UDP","recursiveQueries":1,"dnsQueryClass":"IN",""" + NETWORK_BLOCK
                .replace("\"numPathTraces\":3", "\"numPathTraces\":1") + "}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.DNS_SERVER, DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void dnssecDefaults() throws Exception {
        ValidatedTest t = valid(TestType.DNS_DNSSEC, minimal(TestType.DNS_DNSSEC, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"dns-dnssec\",\"testName\":\"www.example.net A\","
                + COMMON + "\"domain\":\"www.example.net A\",\"dnsQueryClass\":\"IN\"}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.DNS_DNSSEC);
    }

    @Test
    void sipServerFlattensTheNestedCredentials() throws Exception {
        ValidatedTest t = valid(TestType.SIP_SERVER, minimal(TestType.SIP_SERVER, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"sip-server\",\"testName\":\"pbx.example.net\","
                + COMMON + """
                "sipRegistrar":"pbx.example.net","port":5060,"protocol":"TCP","sipProxy":"","registerEnabled":0,
                "sipTimeLimit":5,"sipTargetTime":1000,"optionsRegex":"","server":"pbx.example.net:5060",""" +
                NETWORK_BLOCK.replace("\"protocol\":\"TCP\",", "") + "}"));
        assertThat(t.dataKinds()).containsExactly(DataKind.VOICE_SIP_SERVER, DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void voiceDefaults() throws Exception {
        ValidatedTest t = valid(TestType.VOICE, minimal(TestType.VOICE, ""));
        assertThat(t.definition()).isEqualTo(json("{\"type\":\"voice\",\"testName\":\"Agent 2\"," + COMMON + """
                "targetAgentId":2,"codecId":0,"codec":"G.711 @ 64 Kbps","dscpId":46,"dscp":"EF (DSCP 46)",
                "duration":5,"jitterBuffer":40,"numPathTraces":3,"port":49152,"bgpMeasurements":0}"""));
        assertThat(t.targetAgentId()).isEqualTo(2);
        assertThat(t.dataKinds()).containsExactly(DataKind.VOICE_RTP_STREAM, DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    // ---- things every type shares ----

    @ParameterizedTest
    @EnumSource(TestType.class)
    void everyTypeEchoesTheInstantConstantsAndDropsIgnoredFields(TestType type) throws Exception {
        ObjectNode d = valid(type, minimal(type, """
                "interval":300,"alertsEnabled":1,"alertRules":[{"ruleId":1}],"enabled":0,"subinterval":60,
                "httpInterval":120,"bgpMeasurements":1,"bgpMonitors":[{"monitorId":3}],"usePublicBgp":1,
                "savedEvent":1,"liveShare":1,"noSuchField":{"x":1},""")).definition();
        assertThat(d.get("type").asText()).isEqualTo(type.wireName());
        assertThat(d.get("interval").asInt()).isZero();
        assertThat(d.get("alertsEnabled").asInt()).isZero();
        assertThat(d.get("enabled").asInt()).isEqualTo(1);
        assertThat(d.get("savedEvent").asInt()).isZero();
        assertThat(d.get("liveShare").asInt()).isZero();
        assertThat(d.get("description").asText()).isEmpty();
        for (String absent : List.of("alertRules", "subinterval", "httpInterval", "bgpMonitors", "usePublicBgp",
                "noSuchField", "agents", "testId", "apiLinks", "password")) {
            assertThat(d.has(absent)).as(absent).isFalse();
        }
        boolean hasBgpEcho = !EnumSet.of(TestType.TRANSACTIONS, TestType.DNS_TRACE, TestType.DNS_DNSSEC).contains(type);
        assertThat(d.has("bgpMeasurements")).isEqualTo(hasBgpEcho);
        if (hasBgpEcho) assertThat(d.get("bgpMeasurements").asInt()).isZero();
        d.properties().forEach(e -> assertThat(e.getValue().isNull()).as(e.getKey()).isFalse());
    }

    @ParameterizedTest
    @EnumSource(TestType.class)
    void everyTypeKeepsANameAndDescriptionAndChecksTheirTypes(TestType type) throws Exception {
        ObjectNode d = valid(type, minimal(type, "\"testName\":\"mine\",\"description\":\"about\",")).definition();
        assertThat(d.get("testName").asText()).isEqualTo("mine");
        assertThat(d.get("description").asText()).isEqualTo("about");
        assertThat(valid(type, minimal(type, "\"testName\":\"\",")).definition().get("testName").asText()).isNotBlank();
        assertThat(refusal(type, minimal(type, "\"testName\":5,"))).isEqualTo("testName must be a string, got 5");
        assertThat(refusal(type, minimal(type, "\"description\":[\"x\"],")))
                .isEqualTo("description must be a string, got [\"x\"]");
    }

    @ParameterizedTest
    @EnumSource(TestType.class)
    void everyTypeRequiresAgents(TestType type) {
        String body = minimal(type, "");
        assertThat(refusal(type, body.replace("\"agents\":[{\"agentId\":1}],", ""))).isEqualTo("agents is required");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "[]"))).isEqualTo("agents must not be empty");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "{\"agentId\":1}")))
                .isEqualTo("agents must be an array of {\"agentId\": <int>} objects, got {\"agentId\":1}");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "[{\"agentId\":1},7]")))
                .isEqualTo("agents[1] must be an object with an integer agentId, got 7");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "[{\"agentId\":1},{\"agentName\":\"x\"}]")))
                .isEqualTo("agents[1].agentId is required");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "[{\"agentId\":1},{\"agentId\":\"12\"}]")))
                .isEqualTo("agents[1].agentId must be an integer of at least 1, got \"12\"");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "[{\"agentId\":1.5}]")))
                .isEqualTo("agents[0].agentId must be an integer of at least 1, got 1.5");
        assertThat(refusal(type, body.replace("[{\"agentId\":1}]", "[{\"agentId\":-3}]")))
                .isEqualTo("agents[0].agentId must be an integer of at least 1, got -3");
    }

    @ParameterizedTest
    @EnumSource(TestType.class)
    void agentsAreDeduplicatedAndSourceAddressesOnlyWhereAllowed(TestType type) throws Exception {
        boolean allowed = EnumSet.of(TestType.AGENT_TO_SERVER, TestType.AGENT_TO_AGENT, TestType.HTTP_SERVER,
                TestType.FTP_SERVER, TestType.SIP_SERVER, TestType.VOICE).contains(type);
        String withIp = minimal(type, "").replace("[{\"agentId\":1}]",
                "[{\"agentId\":5,\"sourceIpAddress\":\"10.0.0.5\"},{\"agentId\":3},{\"agentId\":5.0},{\"agentId\":3}]");
        if (allowed) {
            assertThat(valid(type, withIp).agents())
                    .containsExactly(new AgentRef(5, "10.0.0.5"), new AgentRef(3, null));
            assertThat(refusal(type, minimal(type, "").replace("[{\"agentId\":1}]",
                    "[{\"agentId\":1,\"sourceIpAddress\":\"eth0\"}]")))
                    .isEqualTo("agents[0].sourceIpAddress must be an IP address, got \"eth0\"");
            assertThat(refusal(type, minimal(type, "").replace("[{\"agentId\":1}]",
                    "[{\"agentId\":1,\"sourceIpAddress\":7}]")))
                    .isEqualTo("agents[0].sourceIpAddress must be a string, got 7");
        } else {
            assertThat(refusal(type, withIp))
                    .isEqualTo("agents[0].sourceIpAddress is not supported for " + type.wireName() + " tests");
            assertThat(valid(type, withIp.replace(",\"sourceIpAddress\":\"10.0.0.5\"", "")).agents())
                    .containsExactly(new AgentRef(5, null), new AgentRef(3, null));
        }
    }

    @ParameterizedTest
    @EnumSource(TestType.class)
    void storedDefinitionsGiveTheSameDataKinds(TestType type) throws Exception {
        ValidatedTest t = valid(type, minimal(type, ""));
        assertThat(TestCatalogue.dataKinds(type, t.definition())).isEqualTo(t.dataKinds());
    }

    @ParameterizedTest
    @EnumSource(value = TestType.class, names = {"HTTP_SERVER", "PAGE_LOAD", "WEB_TRANSACTIONS", "FTP_SERVER",
            "DNS_SERVER", "SIP_SERVER"})
    void networkBlockTypesDropTheNetLinksWithoutNetworkMeasurements(TestType type) throws Exception {
        ValidatedTest t = valid(type, minimal(type, "\"networkMeasurements\":0,"));
        assertThat(t.dataKinds()).doesNotContain(DataKind.NET_METRICS, DataKind.NET_PATH_VIS).isNotEmpty();
        assertThat(TestCatalogue.dataKinds(type, t.definition())).isEqualTo(t.dataKinds());
        assertThat(refusal(type, minimal(type, "\"networkMeasurements\":0,\"bandwidthMeasurements\":1,")))
                .isEqualTo("bandwidthMeasurements must be 0 when networkMeasurements is 0");
        assertThat(refusal(type, minimal(type, "\"networkMeasurements\":2,")))
                .isEqualTo("networkMeasurements must be 0 or 1, got 2");
        assertThat(refusal(type, minimal(type, "\"probeMode\":\"auto\",")))
                .isEqualTo("probeMode must be one of AUTO, SACK, SYN, got \"auto\"");
        assertThat(refusal(type, minimal(type, "\"pathTraceMode\":\"paris\",")))
                .isEqualTo("pathTraceMode must be one of classic, inSession, got \"paris\"");
        assertThat(refusal(type, minimal(type, "\"mtuMeasurements\":true,")))
                .isEqualTo("mtuMeasurements must be 0 or 1, got true");
    }

    // ---- field kinds: each error names the field and says what was wrong ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"httpTimeLimit\":99       | httpTimeLimit must be an integer between 5 and 60, got 99",
            "\"httpTimeLimit\":4        | httpTimeLimit must be an integer between 5 and 60, got 4",
            "\"httpTimeLimit\":\"10\"   | httpTimeLimit must be an integer between 5 and 60, got \"10\"",
            "\"httpTimeLimit\":7.5      | httpTimeLimit must be an integer between 5 and 60, got 7.5",
            "\"httpTimeLimit\":1e12     | httpTimeLimit must be an integer between 5 and 60, got 1.0E12",
            "\"httpTargetTime\":99      | httpTargetTime must be an integer between 100 and 5000, got 99",
            "\"followRedirects\":2      | followRedirects must be 0 or 1, got 2",
            "\"verifyCertificate\":\"1\"| verifyCertificate must be 0 or 1, got \"1\"",
            "\"httpVersion\":3          | httpVersion must be one of 1, 2, got 3",
            "\"sslVersionId\":2         | sslVersionId must be one of 0, 3, 4, 5, 6, got 2",
            "\"authType\":\"DIGEST\"    | authType must be one of NONE, BASIC, NTLM, KERBEROS, got \"DIGEST\"",
            "\"authType\":\"basic\"     | authType must be one of NONE, BASIC, NTLM, KERBEROS, got \"basic\"",
            "\"url\":\"\"               | url must not be empty",
            "\"url\":null               | url is required",
            "\"url\":42                 | url must be an absolute http:// or https:// URL with a host, got 42",
            "\"url\":\"shop.example.net/\" | url must be an absolute http:// or https:// URL with a host, got \"shop.example.net/\"",
            "\"url\":\"ftp://a.example/\"  | url must be an absolute http:// or https:// URL with a host, got \"ftp://a.example/\"",
            "\"url\":\"https:///path\"  | url must be an absolute http:// or https:// URL with a host, got \"https:///path\"",
            "\"username\":[]            | username must be a string, got []",
            "\"headers\":\"X-A: 1\"     | headers must be an array of strings, got \"X-A: 1\"",
            "\"headers\":[\"X-A: 1\",2] | headers[1] must be a string, got 2",
            "\"customHeaders\":[]       | customHeaders must be an object, got []",
            "\"customHeaders\":{\"first\":{}} | customHeaders may only have the keys root, domains and all, got \"first\"",
            "\"customHeaders\":{\"all\":{\"X-A\":1}} | customHeaders.all.X-A must be a string, got 1",
            "\"customHeaders\":{\"root\":{\"bad header\":\"v\"}} | customHeaders.root has an invalid header name \"bad header\"",
            "\"customHeaders\":{\"domains\":{\"a.example\":[]}} | customHeaders.domains.a.example must be an object of header name -> value, got []",
            "\"contentRegex\":\"(unclosed\" | contentRegex must be a valid regular expression: Unclosed group near index 9, got \"(unclosed\"",
            "\"desiredStatusCode\":200  | desiredStatusCode must be a string, got 200",
            "\"desiredStatusCode\":\"2xx\" | desiredStatusCode must be an HTTP status code between \"100\" and \"599\", got \"2xx\"",
            "\"downloadLimit\":0        | downloadLimit must be an integer of at least 1, got 0",
            "\"dnsOverride\":\"a.example\" | dnsOverride must be an IP address, got \"a.example\"",
            "\"numPathTraces\":2        | numPathTraces must be an integer between 3 and 10, got 2",
            "\"protocol\":\"UDP\"       | protocol must be one of TCP, ICMP, got \"UDP\"",
    })
    void httpServerFieldErrors(String field, String message) {
        String body = field.startsWith("\"url\"")
                ? "{\"agents\":[{\"agentId\":1}]," + field + "}"
                : minimal(TestType.HTTP_SERVER, field + ",");
        assertThat(refusal(TestType.HTTP_SERVER, body)).isEqualTo(message);
    }

    @Test
    void integralNumbersAreAcceptedAsIntegers() throws Exception {
        ObjectNode d = valid(TestType.HTTP_SERVER, minimal(TestType.HTTP_SERVER,
                "\"httpTimeLimit\":10.0,\"followRedirects\":0.0,\"desiredStatusCode\":\"\",")).definition();
        assertThat(d.get("httpTimeLimit").isInt()).isTrue();
        assertThat(d.get("httpTimeLimit").asInt()).isEqualTo(10);
        assertThat(d.get("followRedirects").asInt()).isZero();
        assertThat(d.has("desiredStatusCode")).isFalse(); // "" = the default success rule
    }

    // ---- per-type rules ----

    @Test
    void pageLoadTimeLimits() throws Exception {
        assertThat(refusal(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD, "\"pageLoadTimeLimit\":5,")))
                .isEqualTo("pageLoadTimeLimit must be greater than httpTimeLimit (5), got 5");
        assertThat(refusal(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD,
                "\"pageLoadTimeLimit\":20,\"httpTimeLimit\":30,")))
                .isEqualTo("pageLoadTimeLimit must be greater than httpTimeLimit (30), got 20");
        assertThat(refusal(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD,
                "\"pageLoadTimeLimit\":8,\"pageLoadTargetTime\":9,")))
                .isEqualTo("pageLoadTargetTime must not exceed pageLoadTimeLimit (8), got 9");
        assertThat(refusal(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD, "\"pageLoadTimeLimit\":61,")))
                .isEqualTo("pageLoadTimeLimit must be an integer between 5 and 60, got 61");
        assertThat(refusal(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD, "\"pageLoadTargetTime\":0,")))
                .isEqualTo("pageLoadTargetTime must be an integer between 1 and 30, got 0");
        ObjectNode d = valid(TestType.PAGE_LOAD, minimal(TestType.PAGE_LOAD,
                "\"pageLoadTimeLimit\":60,\"httpTimeLimit\":59,\"pageLoadTargetTime\":30,\"password\":\"s\",")).definition();
        assertThat(d.get("pageLoadTimeLimit").asInt()).isEqualTo(60);
        assertThat(d.has("password")).isFalse();
    }

    @Test
    void transactionStepsAndScript() throws Exception {
        String url = "{\"agents\":[{\"agentId\":1}],\"url\":\"https://a.example/\"";
        assertThat(refusal(TestType.TRANSACTIONS, url + "}"))
                .isEqualTo("transactionSteps or transactionScript is required");
        assertThat(refusal(TestType.TRANSACTIONS, url + ",\"transactionScript\":\" \"}"))
                .isEqualTo("transactionScript must not be empty");
        assertThat(refusal(TestType.TRANSACTIONS, url + ",\"transactionSteps\":[]}"))
                .isEqualTo("transactionSteps must not be empty");
        assertThat(refusal(TestType.TRANSACTIONS, url + ",\"transactionSteps\":{}}"))
                .isEqualTo("transactionSteps must be an array, got {}");

        // the script alone is write-only: kept for the agent, never echoed
        ValidatedTest script = valid(TestType.TRANSACTIONS, url + ",\"transactionScript\":\"<html>...</html>\"}");
        assertThat(script.secrets()).isEqualTo(json("{\"transactionScript\":\"<html>...</html>\"}"));
        assertThat(script.definition().has("transactionScript")).isFalse();
        assertThat(script.definition().has("totalSteps")).isFalse();

        String two = ",\"transactionSteps\":[{\"stepNum\":0,\"stepName\":\"open\",\"command\":\"open\",\"target\":\"/\"},"
                + "{\"stepNum\":1,\"stepName\":\"type\",\"command\":\"type\",\"target\":\"id=q\",\"value\":\"x\",\"extra\":1}]";
        ValidatedTest steps = valid(TestType.TRANSACTIONS, url + two + ",\"transactionScript\":\"ignored\",\"timeLimit\":180}");
        assertThat(steps.secrets().has("transactionScript")).isFalse(); // steps win
        assertThat(steps.definition().get("transactionSteps").get(1))
                .isEqualTo(json("{\"stepNum\":1,\"stepName\":\"type\",\"command\":\"type\",\"target\":\"id=q\",\"value\":\"x\"}"));
        assertThat(steps.definition().get("totalSteps").asInt()).isEqualTo(2);
        assertThat(steps.definition().get("endStep").asInt()).isEqualTo(1);
        assertThat(steps.definition().get("targetTime").asInt()).isEqualTo(60); // half of 180, capped to its range

        assertThat(refusal(TestType.TRANSACTIONS, url + two.replace("\"stepNum\":1", "\"stepNum\":2") + "}"))
                .isEqualTo("transactionSteps[1].stepNum must be 1 (steps are numbered from 0 without gaps), got 2");
        assertThat(refusal(TestType.TRANSACTIONS, url + two.replace(",\"command\":\"type\"", "") + "}"))
                .isEqualTo("transactionSteps[1].command is required");
        assertThat(refusal(TestType.TRANSACTIONS, url + two.replace("\"value\":\"x\"", "\"value\":5") + "}"))
                .isEqualTo("transactionSteps[1].value must be a string, got 5");
        assertThat(refusal(TestType.TRANSACTIONS, url + two + ",\"endStep\":2}"))
                .isEqualTo("endStep must be at most 1 (the last stepNum), got 2");
        assertThat(refusal(TestType.TRANSACTIONS, url + two + ",\"startStep\":1,\"endStep\":0}"))
                .isEqualTo("startStep must not exceed endStep (0), got 1");
        assertThat(refusal(TestType.TRANSACTIONS, url + two + ",\"authType\":\"NTLM\"}"))
                .isEqualTo("authType must be one of NONE, BASIC, KERBEROS, got \"NTLM\"");
        assertThat(refusal(TestType.TRANSACTIONS, url + two + ",\"timeLimit\":181}"))
                .isEqualTo("timeLimit must be an integer between 5 and 180, got 181");
    }

    @Test
    void webTransactionRules() throws Exception {
        String url = "{\"agents\":[{\"agentId\":1}],\"url\":\"https://a.example/\"";
        assertThat(refusal(TestType.WEB_TRANSACTIONS, url + "}")).isEqualTo("transactionScript is required");
        assertThat(refusal(TestType.WEB_TRANSACTIONS, url + ",\"transactionScript\":\"\"}"))
                .isEqualTo("transactionScript must not be empty");
        assertThat(refusal(TestType.WEB_TRANSACTIONS, url + ",\"transactionScript\":\"s\",\"credentials\":[1,\"2\"]}"))
                .isEqualTo("credentials[1] must be an integer, got \"2\"");
        ObjectNode d = valid(TestType.WEB_TRANSACTIONS, url
                + ",\"transactionScript\":\"s\",\"credentials\":[4,5],\"timeLimit\":5,\"password\":\"pw\"}").definition();
        assertThat(d.get("credentials")).isEqualTo(json("[4,5]"));
        assertThat(d.get("targetTime").asInt()).isEqualTo(2);
        assertThat(d.has("password")).isFalse();
    }

    @Test
    void ftpServerRules() {
        String base = "{\"agents\":[{\"agentId\":1}],\"url\":\"ftp://a.example/f\",\"requestType\":\"Download\","
                + "\"username\":\"u\",\"password\":\"p\"";
        assertThat(refusal(TestType.FTP_SERVER, base.replace(",\"password\":\"p\"", "") + "}"))
                .isEqualTo("password is required");
        assertThat(refusal(TestType.FTP_SERVER, base.replace("\"username\":\"u\",", "") + "}"))
                .isEqualTo("username is required");
        assertThat(refusal(TestType.FTP_SERVER, base.replace("Download", "download") + "}"))
                .isEqualTo("requestType must be one of Download, Upload, List, got \"download\"");
        assertThat(refusal(TestType.FTP_SERVER, base.replace("ftp://", "http://") + "}"))
                .isEqualTo("url must be an absolute ftp:// or ftps:// or sftp:// URL with a host, got \"http://a.example/f\"");
        assertThat(refusal(TestType.FTP_SERVER, base + ",\"ftpTimeLimit\":5}"))
                .isEqualTo("ftpTimeLimit must be an integer between 10 and 60, got 5");
        assertThat(refusal(TestType.FTP_SERVER, base + ",\"ftpTargetTime\":7000}"))
                .isEqualTo("ftpTargetTime must be an integer between 1000 and 6000, got 7000");
        assertThat(refusal(TestType.FTP_SERVER, base.replace("ftp://", "ftp://u:pw@") + "}"))
                .isEqualTo("url must not carry credentials; give them in username and password");
        assertThat(refusal(TestType.FTP_SERVER, base.replace("ftp://", "ftps://") + ",\"useExplicitFtps\":1}"))
                .isEqualTo("useExplicitFtps=1 needs an ftp:// url (ftps:// is implicit FTPS, sftp:// is SSH), got ftps://");
        assertThat(refusal(TestType.FTP_SERVER, base.replace("ftp://", "sftp://") + ",\"useActiveFtp\":1}"))
                .isEqualTo("useActiveFtp=1 does not apply to sftp:// (SFTP has no separate data connection)");
        assertThat(refusal(TestType.FTP_SERVER, base + ",\"useActiveFtp\":2}"))
                .startsWith("useActiveFtp must be ");
        assertThat(refusal(TestType.FTP_SERVER, base + ",\"downloadLimit\":0}"))
                .isEqualTo("downloadLimit must be an integer of at least 1, got 0");
    }

    @Test
    void dnsRules() {
        assertThat(refusal(TestType.DNS_TRACE, "{\"agents\":[{\"agentId\":1}]}")).isEqualTo("domain is required");
        assertThat(refusal(TestType.DNS_TRACE, "{\"agents\":[{\"agentId\":1}],\"domain\":\"www.example.net BOGUS\"}"))
                .startsWith("domain must be \"<name> <record type>\" with a record type among A, AAAA, ANY,")
                .endsWith(", got \"www.example.net BOGUS\"");
        assertThat(refusal(TestType.DNS_DNSSEC, "{\"agents\":[{\"agentId\":1}],\"domain\":\"a b c\"}"))
                .startsWith("domain must be ");
        assertThat(refusal(TestType.DNS_TRACE, minimal(TestType.DNS_TRACE, "\"dnsTransportProtocol\":\"DOH\",")))
                .isEqualTo("dnsTransportProtocol must be one of UDP, TCP, got \"DOH\"");
        String domain = "{\"agents\":[{\"agentId\":1}],\"domain\":\"example.net SOA\"";
        assertThat(refusal(TestType.DNS_SERVER, domain + "}")).isEqualTo("dnsServers is required");
        assertThat(refusal(TestType.DNS_SERVER, domain + ",\"dnsServers\":[]}")).isEqualTo("dnsServers must not be empty");
        assertThat(refusal(TestType.DNS_SERVER, domain + ",\"dnsServers\":[\"ns1.example.net\"]}"))
                .isEqualTo("dnsServers[0] must be an object {\"serverName\": ...}, got \"ns1.example.net\"");
        assertThat(refusal(TestType.DNS_SERVER, domain + ",\"dnsServers\":[{\"serverId\":4}]}"))
                .isEqualTo("dnsServers[0].serverName is required");
        assertThat(refusal(TestType.DNS_SERVER, domain + ",\"dnsServers\":[{\"serverName\":\"not a host\"}]}"))
                .isEqualTo("dnsServers[0].serverName must be a host name or IP address, got \"not a host\"");
        assertThat(refusal(TestType.DNS_SERVER, domain + ",\"dnsServers\":[{\"serverName\":\"ns1.example.net\"}],"
                + "\"numPathTraces\":0}")).isEqualTo("numPathTraces must be an integer between 1 and 10, got 0");
    }

    @Test
    void sipServerForms() throws Exception {
        // nested wins over top level; the password is a secret wherever it came from
        ValidatedTest t = valid(TestType.SIP_SERVER, """
                {"agents":[{"agentId":1}],"sipRegistrar":"old.example.net","port":5070,"registerEnabled":1,
                 "targetSipCredentials":{"sipRegistrar":"pbx.example.net","port":5061,"protocol":"TLS",
                   "authUser":"alice","password":"s3cret","user":"1001","sipProxy":"192.0.2.9"}}""");
        ObjectNode d = t.definition();
        assertThat(d.get("sipRegistrar").asText()).isEqualTo("pbx.example.net");
        assertThat(d.get("port").asInt()).isEqualTo(5061);
        assertThat(d.get("protocol").asText()).isEqualTo("TLS");
        assertThat(d.get("authUser").asText()).isEqualTo("alice");
        assertThat(d.get("user").asText()).isEqualTo("1001");
        assertThat(d.get("sipProxy").asText()).isEqualTo("192.0.2.9");
        assertThat(d.get("registerEnabled").asInt()).isEqualTo(1);
        assertThat(d.get("server").asText()).isEqualTo("pbx.example.net:5061");
        assertThat(d.has("targetSipCredentials")).isFalse();
        assertThat(d.toString()).doesNotContain("s3cret");
        assertThat(t.secrets()).isEqualTo(json("{\"password\":\"s3cret\"}"));

        ValidatedTest flat = valid(TestType.SIP_SERVER,
                "{\"agents\":[{\"agentId\":1}],\"sipRegistrar\":\"2001:db8::5\",\"port\":5060,\"password\":\"p\"}");
        assertThat(flat.definition().get("server").asText()).isEqualTo("[2001:db8::5]:5060");
        assertThat(flat.secrets().get("password").asText()).isEqualTo("p");
    }

    @Test
    void sipServerErrorsUseTheNestedNames() {
        String agents = "{\"agents\":[{\"agentId\":1}]";
        assertThat(refusal(TestType.SIP_SERVER, agents + "}")).isEqualTo("targetSipCredentials is required");
        assertThat(refusal(TestType.SIP_SERVER, agents + ",\"targetSipCredentials\":\"pbx\"}"))
                .isEqualTo("targetSipCredentials must be an object, got \"pbx\"");
        assertThat(refusal(TestType.SIP_SERVER, agents + ",\"targetSipCredentials\":{\"port\":5060}}"))
                .isEqualTo("targetSipCredentials.sipRegistrar is required");
        assertThat(refusal(TestType.SIP_SERVER, agents + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\"}}"))
                .isEqualTo("targetSipCredentials.port is required");
        assertThat(refusal(TestType.SIP_SERVER, agents
                + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":80}}"))
                .isEqualTo("targetSipCredentials.port must be an integer between 1024 and 65535, got 80");
        assertThat(refusal(TestType.SIP_SERVER, agents
                + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":5060,\"protocol\":\"SCTP\"}}"))
                .isEqualTo("targetSipCredentials.protocol must be one of TCP, TLS, UDP, got \"SCTP\"");
        assertThat(refusal(TestType.SIP_SERVER, agents
                + ",\"targetSipCredentials\":{\"sipRegistrar\":\"pbx.example.net\",\"port\":5060,\"sipProxy\":\"a b\"}}"))
                .isEqualTo("targetSipCredentials.sipProxy must be a host name or IP address, got \"a b\"");
        assertThat(refusal(TestType.SIP_SERVER, agents + ",\"sipRegistrar\":\"pbx.example.net\"}"))
                .isEqualTo("port is required");
        assertThat(refusal(TestType.SIP_SERVER, minimal(TestType.SIP_SERVER, "\"sipTimeLimit\":11,")))
                .isEqualTo("sipTimeLimit must be an integer between 5 and 10, got 11");
        assertThat(refusal(TestType.SIP_SERVER, minimal(TestType.SIP_SERVER, "\"optionsRegex\":\"[\",")))
                .startsWith("optionsRegex must be a valid regular expression: ");
    }

    @Test
    void agentToAgentRules() throws Exception {
        assertThat(refusal(TestType.AGENT_TO_AGENT, "{\"agents\":[{\"agentId\":1}]}")).isEqualTo("targetAgentId is required");
        assertThat(refusal(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, "").replace("2}", "\"2\"}")))
                .isEqualTo("targetAgentId must be an integer of at least 1, got \"2\"");
        assertThat(refusal(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, "\"throughputRate\":100,")))
                .isEqualTo("throughputRate is only allowed with protocol UDP, got protocol TCP");
        assertThat(refusal(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, "\"direction\":\"BOTH\",")))
                .isEqualTo("direction must be one of TO_TARGET, FROM_TARGET, BIDIRECTIONAL, got \"BOTH\"");
        assertThat(refusal(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, "\"dscpId\":7,")))
                .startsWith("dscpId must be one of 0, 8, 10,").endsWith(", 56, got 7");
        assertThat(refusal(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, "\"mss\":1500,")))
                .isEqualTo("mss must be an integer between 30 and 1400, got 1500");
        assertThat(refusal(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT, "\"throughputDuration\":1000,")))
                .isEqualTo("throughputDuration must be an integer between 5000 and 30000, got 1000");
        ObjectNode d = valid(TestType.AGENT_TO_AGENT, minimal(TestType.AGENT_TO_AGENT,
                "\"protocol\":\"UDP\",\"throughputRate\":100,\"dscpId\":34,\"dscp\":\"sent\",\"server\":\"x\",")).definition();
        assertThat(d.get("throughputRate").asInt()).isEqualTo(100);
        assertThat(d.get("dscp").asText()).isEqualTo("AF41 (DSCP 34)");
        assertThat(d.has("server")).isFalse(); // computed by the server from the target agent
    }

    @Test
    void voiceRules() throws Exception {
        assertThat(refusal(TestType.VOICE, "{\"agents\":[{\"agentId\":1}]}")).isEqualTo("targetAgentId is required");
        assertThat(refusal(TestType.VOICE, minimal(TestType.VOICE, "\"codecId\":10,")))
                .isEqualTo("codecId must be one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, got 10");
        assertThat(refusal(TestType.VOICE, minimal(TestType.VOICE, "\"duration\":31,")))
                .isEqualTo("duration must be an integer between 5 and 30, got 31");
        assertThat(refusal(TestType.VOICE, minimal(TestType.VOICE, "\"jitterBuffer\":-1,")))
                .isEqualTo("jitterBuffer must be an integer between 0 and 150, got -1");
        ObjectNode d = valid(TestType.VOICE, minimal(TestType.VOICE, "\"codecId\":5,\"dscpId\":0,\"codec\":\"x\",")).definition();
        assertThat(d.get("codec").asText()).isEqualTo("G.729a @ 8 Kbps");
        assertThat(d.get("dscp").asText()).isEqualTo("Best Effort (DSCP 0)");
    }

    @Test
    void validationDoesNotChangeTheRequestBody() throws Exception {
        JsonNode body = json(minimal(TestType.SIP_SERVER, "\"password\":\"top\","));
        JsonNode copy = body.deepCopy();
        catalogue.validate(TestType.SIP_SERVER, body);
        assertThat(body).isEqualTo(copy);
    }
}
