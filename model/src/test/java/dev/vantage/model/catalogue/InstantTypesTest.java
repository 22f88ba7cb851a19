package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Type-name rules and the two types whose engines are built (through the public validateInstant). */
class InstantTypesTest {
    private final TestCatalogue catalogue = new TestCatalogue();

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private String refusal(String type, String body) {
        return org.junit.jupiter.api.Assertions.assertThrows(InvalidTestException.class,
                () -> catalogue.validateInstant(type, json(body))).getMessage();
    }

    @Test
    void bgpIsRefusedForInstantTests() {
        assertThat(refusal("bgp", "{\"agents\":[{\"agentId\":1}]}"))
                .isEqualTo("Test type bgp is not supported for instant tests");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dnsp-domain", "dnsp-server", "voice-call"})
    void retiredTypesAreRefusedByName(String type) {
        assertThat(refusal(type, "{}")).startsWith("Test type " + type + " is not supported for instant tests");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP-SERVER", "Http-Server", "http", "", "agent_to_server"})
    void otherNamesAreUnknownTypes(String type) {
        assertThat(refusal(type, "{}")).startsWith("Unknown test type \"" + type + "\"")
                .contains("agent-to-server, agent-to-agent, http-server");
    }

    @Test
    void typesWithoutAnEngineAreNotAvailableYet() {
        assertThat(refusal("page-load", "{\"agents\":[{\"agentId\":1}],\"url\":\"https://a.example\"}"))
                .isEqualTo("Instant tests of type page-load are not available on this server yet");
        for (TestType t : TestType.values()) {
            if (t.engineBuilt()) continue;
            assertThat(refusal(t.wireName(), "{}")).contains(t.wireName()).contains("not available");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"x\"", "42", "null", "true"})
    void bodyMustBeAnObject(String body) {
        assertThat(refusal("http-server", body)).startsWith("The request body must be a JSON object, got ");
    }

    @Test
    void missingBodyIsRefused() {
        assertThatThrownBy(() -> catalogue.validateInstant("http-server", null))
                .isInstanceOf(InvalidTestException.class).hasMessageContaining("JSON object");
    }

    @Test
    void httpServerMinimalBodyEchoesTheDefaults() throws Exception {
        ValidatedTest t = catalogue.validateInstant("http-server", json("""
                {"agents":[{"agentId":1101},{"agentId":1102}],"url":"https://shop.example.net/health"}"""));
        assertThat(t.type()).isEqualTo(TestType.HTTP_SERVER);
        assertThat(t.definition()).isEqualTo(json("""
                {"type":"http-server","testName":"https://shop.example.net/health","description":"",
                 "interval":0,"enabled":1,"alertsEnabled":0,"savedEvent":0,"liveShare":0,
                 "url":"https://shop.example.net/health",
                 "authType":"NONE","useNtlm":0,"httpTimeLimit":5,"httpTargetTime":1000,"httpVersion":2,
                 "sslVersionId":0,"sslVersion":"Auto","verifyCertificate":1,"followRedirects":1,"contentRegex":"",
                 "networkMeasurements":1,"protocol":"TCP","probeMode":"AUTO","pathTraceMode":"classic",
                 "numPathTraces":3,"mtuMeasurements":1,"bandwidthMeasurements":0,
                 "ipv6Policy":"USE_AGENT_POLICY","pingPayloadSize":-1,"bgpMeasurements":0}"""));
        assertThat(t.secrets().isEmpty()).isTrue();
        assertThat(t.agents()).containsExactly(new AgentRef(1101, null), new AgentRef(1102, null));
        assertThat(t.targetAgentId()).isNull();
        assertThat(t.dataKinds()).containsExactly(DataKind.WEB_HTTP_SERVER, DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void httpServerWithoutNetworkMeasurementsHasOnlyItsOwnDataLink() throws Exception {
        ValidatedTest t = catalogue.validateInstant("http-server", json("""
                {"agents":[{"agentId":1}],"url":"http://10.0.0.1:8080/","networkMeasurements":0}"""));
        assertThat(t.dataKinds()).containsExactly(DataKind.WEB_HTTP_SERVER);
        assertThat(TestCatalogue.dataKinds(TestType.HTTP_SERVER, t.definition())).containsExactly(DataKind.WEB_HTTP_SERVER);
    }

    @Test
    void httpServerFullBodyIsKeptAndThePasswordIsASecret() throws Exception {
        ValidatedTest t = catalogue.validateInstant("http-server", json("""
                {"agents":[{"agentId":7,"sourceIpAddress":"10.1.2.3","agentName":"copied from /v6/agents"}],
                 "testName":"shop","description":"d","url":"https://shop.example.net/","authType":"BASIC",
                 "username":"u","password":"hunter2","httpTimeLimit":30,"httpTargetTime":500,"httpVersion":1,
                 "sslVersionId":6,"verifyCertificate":0,"followRedirects":0,"userAgent":"probe/1",
                 "customHeaders":{"root":{"X-A":"1"},"domains":{"cdn.example.net":{"X-B":"2"}},"all":{"X-C":"3"}},
                 "contentRegex":"ok.*","headers":["X-Old: 1"],"postBody":"a=1","desiredStatusCode":"204",
                 "downloadLimit":1024,"dnsOverride":"192.0.2.7","clientCertificate":"-----BEGIN-----",
                 "protocol":"ICMP","numPathTraces":10,"bandwidthMeasurements":1,"someUnknownField":[1,2]}"""));
        var d = t.definition();
        assertThat(d.get("testName").asText()).isEqualTo("shop");
        assertThat(d.get("sslVersion").asText()).isEqualTo("TLSv1.2");
        assertThat(d.get("customHeaders")).isEqualTo(json(
                "{\"root\":{\"X-A\":\"1\"},\"domains\":{\"cdn.example.net\":{\"X-B\":\"2\"}},\"all\":{\"X-C\":\"3\"}}"));
        assertThat(d.get("headers")).isEqualTo(json("[\"X-Old: 1\"]"));
        assertThat(d.get("httpTimeLimit").asInt()).isEqualTo(30);
        assertThat(d.get("protocol").asText()).isEqualTo("ICMP");
        assertThat(d.has("password")).isFalse();
        assertThat(d.has("clientCertificate")).isFalse();
        assertThat(d.has("someUnknownField")).isFalse();
        assertThat(d.toString()).doesNotContain("hunter2");
        assertThat(t.secrets()).isEqualTo(json("{\"password\":\"hunter2\",\"clientCertificate\":\"-----BEGIN-----\"}"));
        assertThat(t.agents()).containsExactly(new AgentRef(7, "10.1.2.3"));
    }

    @Test
    void ignoredFieldsAreAcceptedAndEchoTheInstantConstants() throws Exception {
        ValidatedTest t = catalogue.validateInstant("http-server", json("""
                {"agents":[{"agentId":1}],"url":"https://a.example/","interval":900,"subinterval":60,
                 "alertsEnabled":1,"alertRules":[{"ruleId":4}],"bgpMeasurements":1,"bgpMonitors":[{"monitorId":1}],
                 "usePublicBgp":1,"httpInterval":"any","enabled":0,"savedEvent":1,"liveShare":1,
                 "sslVersion":"bogus","ipv6Policy":"FORCE_IPV6","pingPayloadSize":99}"""));
        var d = t.definition();
        assertThat(d.get("interval").asInt()).isZero();
        assertThat(d.get("alertsEnabled").asInt()).isZero();
        assertThat(d.get("bgpMeasurements").asInt()).isZero();
        assertThat(d.get("enabled").asInt()).isEqualTo(1);
        assertThat(d.get("savedEvent").asInt()).isZero();
        assertThat(d.get("liveShare").asInt()).isZero();
        assertThat(d.get("sslVersion").asText()).isEqualTo("Auto");
        assertThat(d.get("ipv6Policy").asText()).isEqualTo("USE_AGENT_POLICY");
        assertThat(d.get("pingPayloadSize").asInt()).isEqualTo(-1);
        assertThat(d.has("subinterval")).isFalse();
        assertThat(d.has("alertRules")).isFalse();
        assertThat(d.has("bgpMonitors")).isFalse();
        assertThat(d.has("usePublicBgp")).isFalse();
        assertThat(d.has("httpInterval")).isFalse();
    }

    @Test
    void agentToServerMinimalBodyAppendsThePort() throws Exception {
        ValidatedTest t = catalogue.validateInstant("agent-to-server", json("""
                {"agents":[{"agentId":2201}],"testName":"checkout reachability","server":"www.example.net"}"""));
        assertThat(t.definition()).isEqualTo(json("""
                {"type":"agent-to-server","testName":"checkout reachability","description":"",
                 "interval":0,"enabled":1,"alertsEnabled":0,"savedEvent":0,"liveShare":0,
                 "server":"www.example.net:80","port":80,"protocol":"TCP","probeMode":"AUTO","pathTraceMode":"classic",
                 "numPathTraces":3,"mtuMeasurements":1,"bandwidthMeasurements":0,"networkMeasurements":1,
                 "pingPayloadSize":-1,"ipv6Policy":"USE_AGENT_POLICY","bgpMeasurements":0}"""));
        assertThat(t.dataKinds()).containsExactly(DataKind.NET_METRICS, DataKind.NET_PATH_VIS);
    }

    @Test
    void agentToServerNamesItselfAfterTheServerAndTakesPortsFromEitherPlace() throws Exception {
        var a = catalogue.validateInstant("agent-to-server", json(
                "{\"agents\":[{\"agentId\":1}],\"server\":\"192.0.2.1\",\"port\":443}")).definition();
        assertThat(a.get("server").asText()).isEqualTo("192.0.2.1:443");
        assertThat(a.get("testName").asText()).isEqualTo("192.0.2.1:443");
        var b = catalogue.validateInstant("agent-to-server", json(
                "{\"agents\":[{\"agentId\":1}],\"server\":\"db.example.net:5432\"}")).definition();
        assertThat(b.get("server").asText()).isEqualTo("db.example.net:5432");
        assertThat(b.get("port").asInt()).isEqualTo(5432);
        var c = catalogue.validateInstant("agent-to-server", json(
                "{\"agents\":[{\"agentId\":1}],\"server\":\"2001:db8::1\",\"port\":22}")).definition();
        assertThat(c.get("server").asText()).isEqualTo("[2001:db8::1]:22");
        var e = catalogue.validateInstant("agent-to-server", json(
                "{\"agents\":[{\"agentId\":1}],\"server\":\"[::1]:8443\"}")).definition();
        assertThat(e.get("server").asText()).isEqualTo("[::1]:8443");
    }

    @Test
    void agentToServerRefusals() {
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}]}")).isEqualTo("server is required");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"\"}"))
                .isEqualTo("server must not be empty");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"bad host!\"}"))
                .isEqualTo("server must be a host name or IP address, got \"bad host!\"");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"port\":0}"))
                .isEqualTo("port must be an integer between 1 and 65535, got 0");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"port\":\"80\"}"))
                .isEqualTo("port must be an integer between 1 and 65535, got \"80\"");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"a.example:81\",\"port\":80}"))
                .contains("server names a port (81) and port is also sent");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"protocol\":\"UDP\"}"))
                .isEqualTo("protocol must be one of TCP, ICMP, got \"UDP\"");
        assertThat(refusal("agent-to-server", "{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"numPathTraces\":11}"))
                .isEqualTo("numPathTraces must be an integer between 3 and 10, got 11");
    }

    @Test
    void agentToServerIcmpWithAPortIsRefusedAndIcmpIsAccepted() throws Exception {
        assertThat(refusal("agent-to-server",
                "{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"protocol\":\"ICMP\",\"port\":80}"))
                .isEqualTo("port must not be sent with protocol ICMP");
        assertThat(catalogue.validateInstant("agent-to-server",
                json("{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"protocol\":\"ICMP\"}"))
                .definition().get("protocol").asText()).isEqualTo("ICMP");
    }

    @Test
    void agentToServerIcmpEchoesThePlainServerInTheTypeTable() throws Exception {
        var d = catalogue.validate(TestType.AGENT_TO_SERVER,
                json("{\"agents\":[{\"agentId\":1}],\"server\":\"a.example\",\"protocol\":\"ICMP\"}")).definition();
        assertThat(d.get("server").asText()).isEqualTo("a.example");
        assertThat(d.has("port")).isFalse();
    }
}
