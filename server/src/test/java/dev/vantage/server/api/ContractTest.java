package dev.vantage.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.Json;
import dev.vantage.server.Bootstrap;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.store.Permission;
import dev.vantage.server.store.Store;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The v6 contract over real HTTP against a real server (H2 store): every rule of the foundation issue. */
class ContractTest {
    @TempDir
    static Path dir;
    static TestWorld world;
    static Http admin;
    static int agentId;
    static int aid;

    @BeforeAll
    static void start() {
        world = new TestWorld(dir);
        admin = world.admin;
        aid = world.defaultAid();
        agentId = world.agent("contract-agent");
    }

    @AfterAll
    static void stop() {
        world.close();
    }

    static String httpBody(String url) {
        return "{\"testName\":\"t\",\"url\":\"" + url + "\",\"agents\":[{\"agentId\":" + agentId + "}],\"interval\":900}";
    }

    static JsonNode createHttpTest() {
        Http.Reply r = admin.post("/v6/instant/http-server", httpBody("http://127.0.0.1:9/"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("test").get(0);
    }

    static String error(Http.Reply r) {
        return r.json().get("errorMessage").asText();
    }

    // ---- status, auth ---------------------------------------------------------------------------------------

    @Test
    void statusNeedsNoCredentialsAndAnswersEpochMillis() {
        long before = System.currentTimeMillis();
        Http.Reply r = world.anonymous.get("/v6/status.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("timestamp").asLong()).isBetween(before - 1000, System.currentTimeMillis() + 1000);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void missingOrWrongCredentialsAre401WithErrorMessage() {
        Http.Reply none = world.anonymous.get("/v6/agents");
        assertThat(none.status()).isEqualTo(401);
        assertThat(error(none)).contains("authentication required");
        Http.Reply wrong = world.anonymous.basic(TestWorld.EMAIL, "wrongtoken").get("/v6/agents");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(error(wrong)).isEqualTo("invalid credentials");
        assertThat(world.anonymous.bearer("not-a-token").get("/v6/agents").status()).isEqualTo(401);
        assertThat(world.anonymous.get("/v6/agents", "Authorization", "Basic !!!notbase64").status()).isEqualTo(401);
    }

    @Test
    void basicAndBearerBothWork() {
        assertThat(admin.get("/v6/agents").status()).isEqualTo(200);
        assertThat(world.anonymous.bearer(TestWorld.BEARER).get("/v6/agents").status()).isEqualTo(200);
        // e-mail is case-insensitive, as a login name
        assertThat(world.anonymous.basic(TestWorld.EMAIL.toUpperCase(), TestWorld.TOKEN).get("/v6/agents").status()).isEqualTo(200);
    }

    @Test
    void urlCredentialsArriveAsBasicAndWork() throws Exception {
        // curl https://user%40example:token@host/... sends exactly this header
        var conn = (java.net.HttpURLConnection) java.net.URI.create(world.server.baseUrl() + "/v6/account-groups").toURL().openConnection();
        conn.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString((TestWorld.EMAIL + ":" + TestWorld.TOKEN).getBytes(StandardCharsets.UTF_8)));
        assertThat(conn.getResponseCode()).isEqualTo(200);
    }

    // ---- aid, account groups, permissions, isolation --------------------------------------------------------

    @Test
    void aidSelectsTheGroupAndIsValidated() {
        Store store = world.store();
        Store.User adminUser = store.userByEmail(TestWorld.EMAIL).orElseThrow();
        // the bootstrap helper makes the organization admin a member of the new group
        Store.AccountGroup lab = Bootstrap.createAccountGroup(store, adminUser.orgId(), "Lab-" + System.nanoTime());

        JsonNode groups = admin.get("/v6/account-groups?aid=" + lab.aid()).json().get("accountGroups");
        for (JsonNode g : groups) {
            assertThat(g.get("current").asInt()).isEqualTo(g.get("aid").asInt() == lab.aid() ? 1 : 0);
            assertThat(g.get("default").asInt()).isEqualTo(g.get("aid").asInt() == aid ? 1 : 0);
        }
        assertThat(admin.get("/v6/account-groups?aid=abc").status()).isEqualTo(400);
        assertThat(error(admin.get("/v6/account-groups?aid=987654"))).contains("987654");
        assertThat(admin.get("/v6/account-groups?aid=987654").status()).isEqualTo(400);

        Store.AccountGroup other = store.createAccountGroup(adminUser.orgId(), "NotMine-" + System.nanoTime());
        Http.Reply forbidden = admin.get("/v6/agents?aid=" + other.aid());
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(error(forbidden)).contains("not assigned");

        // the agent registered before the group existed is not in the new group's test scope after removal
        store.removeAgentFromGroup(agentId, lab.aid());
        Http.Reply r = admin.post("/v6/instant/http-server?aid=" + lab.aid(), httpBody("http://127.0.0.1:9/"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(error(r)).contains("agentId " + agentId);
        // and a test of the default group is invisible from the lab group
        int testId = createHttpTest().get("testId").asInt();
        assertThat(admin.get("/v6/tests/" + testId + "?aid=" + lab.aid()).status()).isEqualTo(404);
        assertThat(admin.get("/v6/web/http-server/" + testId + "?aid=" + lab.aid()).status()).isEqualTo(404);
    }

    @Test
    void permissionsAreEnforcedWith403() {
        Store store = world.store();
        int orgId = store.userByEmail(TestWorld.EMAIL).orElseThrow().orgId();
        Store.Role apiOnly = Bootstrap.customRole(store, orgId, "API only " + System.nanoTime(), EnumSet.of(Permission.API_ACCESS));
        Bootstrap.Credentials limited = Bootstrap.createUser(store, orgId, "Limited", "limited" + System.nanoTime() + "@example.net", apiOnly, aid);
        Http user = world.anonymous.basic(limited.email(), limited.apiToken());
        Http.Reply r = user.post("/v6/instant/http-server", httpBody("http://127.0.0.1:9/"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(error(r)).contains("View tests");
        assertThat(user.get("/v6/agents").status()).isEqualTo(403);
        assertThat(user.get("/v6/account-groups").status()).isEqualTo(200);

        Store.Role none = Bootstrap.customRole(store, orgId, "Nothing " + System.nanoTime(), EnumSet.noneOf(Permission.class));
        Bootstrap.Credentials nobody = Bootstrap.createUser(store, orgId, "Nobody", "nobody" + System.nanoTime() + "@example.net", none, aid);
        Http.Reply noApi = world.anonymous.basic(nobody.email(), nobody.apiToken()).get("/v6/account-groups");
        assertThat(noApi.status()).isEqualTo(403);
        assertThat(error(noApi)).contains("API access");

        // a Regular User may run instant tests (v6 rule) but may not list permissions
        Bootstrap.Credentials regular = Bootstrap.createUser(store, orgId, "Regular", "regular" + System.nanoTime() + "@example.net",
                Bootstrap.role(store, Bootstrap.REGULAR_USER), aid);
        Http reg = world.anonymous.bearer(regular.bearerToken());
        assertThat(reg.post("/v6/instant/http-server", httpBody("http://127.0.0.1:9/")).status()).isEqualTo(201);
        assertThat(reg.get("/v6/permissions").status()).isEqualTo(403);
        assertThat(admin.get("/v6/permissions").json().get("permissions").size()).isEqualTo(Permission.values().length);
        assertThat(reg.post("/v6/tests/http-server/1/delete", "").status()).isEqualTo(403);
    }

    @Test
    void anotherOrganizationSeesNothingOfThisOne() {
        Store store = world.store();
        Bootstrap.Credentials other = Bootstrap.createOrganization(store, "Other Org", "boss" + System.nanoTime() + "@other.example",
                world.server.config());
        Http them = world.anonymous.basic(other.email(), other.apiToken());
        int testId = createHttpTest().get("testId").asInt();
        Http.Reply test = them.get("/v6/tests/" + testId);
        assertThat(test.status()).isEqualTo(404);
        assertThat(them.get("/v6/web/http-server/" + testId).status()).isEqualTo(404);
        assertThat(them.post("/v6/instant/" + testId + "/rerun", null).status()).isEqualTo(404);
        assertThat(them.get("/v6/agents/" + agentId).status()).isEqualTo(404);
        assertThat(them.get("/v6/agents").json().get("agents")).isEmpty();
        Http.Reply foreignAgent = them.post("/v6/instant/http-server", httpBody("http://127.0.0.1:9/"));
        assertThat(foreignAgent.status()).isEqualTo(400);
        assertThat(error(foreignAgent)).contains("agentId " + agentId);
        assertThat(them.get("/v6/account-groups?aid=" + aid).status()).isEqualTo(400);
    }

    // ---- formats, methods, paths ----------------------------------------------------------------------------

    @Test
    void formatPrecedenceIsSuffixThenAcceptThenParameter() throws Exception {
        Http.Reply suffixXml = admin.get("/v6/account-groups.xml?format=json", "Accept", "application/json");
        assertThat(suffixXml.header("Content-Type")).startsWith("text/xml");
        Document doc = xml(suffixXml.body());
        assertThat(doc.getDocumentElement().getNodeName()).isEqualTo("response");
        assertThat(doc.getElementsByTagName("accountGroupName").getLength()).isGreaterThan(0);

        Http.Reply suffixJson = admin.get("/v6/account-groups.json", "Accept", "text/xml");
        assertThat(suffixJson.header("Content-Type")).startsWith("application/json");
        assertThat(suffixJson.json().get("accountGroups")).isNotEmpty();

        assertThat(admin.get("/v6/account-groups?format=json", "Accept", "text/xml").header("Content-Type")).startsWith("text/xml");
        assertThat(admin.get("/v6/account-groups?format=xml", "Accept", "application/json").header("Content-Type")).startsWith("application/json");
        assertThat(admin.get("/v6/account-groups?format=xml").header("Content-Type")).startsWith("text/xml");
        assertThat(admin.get("/v6/account-groups", "Accept", "application/xml").header("Content-Type")).startsWith("text/xml");
        assertThat(admin.get("/v6/account-groups").header("Content-Type")).isEqualToIgnoringCase("application/json;charset=UTF-8");
        assertThat(admin.get("/v6/account-groups?format=XML").status()).isEqualTo(400);
    }

    @Test
    void unacceptableAcceptIs406AndNonJsonBodyIs415() {
        Http.Reply r = admin.get("/v6/agents", "Accept", "image/png");
        assertThat(r.status()).isEqualTo(406);
        assertThat(error(r)).contains("image/png");
        Http.Reply form = admin.post("/v6/instant/http-server", "url=x", "Content-Type", "application/x-www-form-urlencoded");
        assertThat(form.status()).isEqualTo(415);
        assertThat(error(form)).contains("application/json");
    }

    @Test
    void wrongMethodUnknownPathMovedPathsAndVersions() {
        Http.Reply wrong = admin.get("/v6/instant/http-server");
        assertThat(wrong.status()).isEqualTo(405);
        assertThat(wrong.header("Allow")).isEqualTo("POST");
        assertThat(admin.method("DELETE", "/v6/tests/1").status()).isEqualTo(405);
        Http.Reply unknown = admin.get("/v6/no-such-thing");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(error(unknown)).contains("/v6/no-such-thing");
        Http.Reply moved = admin.get("/v6/voice/metrics/123");
        assertThat(moved.status()).isEqualTo(301);
        assertThat(moved.header("Location")).isEqualTo(world.server.baseUrl() + "/v6/voice/rtp-stream/123?aid=" + aid);
        assertThat(world.anonymous.get("/v6/voice/metrics/123").status()).isEqualTo(401);
        Http.Reply version = admin.get("/v5/agents.json?aid=" + aid);
        assertThat(version.status()).isEqualTo(301);
        assertThat(version.header("Location")).isEqualTo(world.server.baseUrl() + "/v6/agents.json?aid=" + aid);
    }

    @Test
    void errorsAreXmlWhenXmlIsAsked() throws Exception {
        Http.Reply r = admin.post("/v6/instant/bgp.xml", "{}");
        assertThat(r.status()).isEqualTo(400);
        Document doc = xml(r.body());
        assertThat(doc.getDocumentElement().getNodeName()).isEqualTo("errorMessage");
        assertThat(doc.getDocumentElement().getTextContent()).contains("bgp");
    }

    // ---- bad input ------------------------------------------------------------------------------------------

    @Test
    void badInputGets400NamingTheProblem() {
        Http.Reply malformed = admin.post("/v6/instant/http-server", "{\"url\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(error(malformed)).startsWith("malformed JSON");
        Http.Reply notObject = admin.post("/v6/instant/http-server", "[1,2]");
        assertThat(notObject.status()).isEqualTo(400);
        Http.Reply nullBody = admin.post("/v6/instant/http-server", "null");
        assertThat(nullBody.status()).isEqualTo(400);
        Http.Reply wrongType = admin.post("/v6/instant/http-server",
                "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agentId + "}],\"httpTimeLimit\":\"soon\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(error(wrongType)).contains("httpTimeLimit");
        Http.Reply outOfRange = admin.post("/v6/instant/http-server",
                "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agentId + "}],\"httpTimeLimit\":99}");
        assertThat(error(outOfRange)).contains("httpTimeLimit").contains("99");
        Http.Reply missing = admin.post("/v6/instant/http-server", "{\"agents\":[{\"agentId\":" + agentId + "}]}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(error(missing)).contains("url");
        Http.Reply noAgents = admin.post("/v6/instant/http-server", "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[]}");
        assertThat(error(noAgents)).contains("agents");
        Http.Reply unknownAgent = admin.post("/v6/instant/http-server", "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":999999}]}");
        assertThat(unknownAgent.status()).isEqualTo(400);
        assertThat(error(unknownAgent)).contains("999999");
        Http.Reply bgp = admin.post("/v6/instant/bgp", "{}");
        assertThat(bgp.status()).isEqualTo(400);
        assertThat(error(bgp)).contains("bgp").contains("not supported");
        Http.Reply unknownType = admin.post("/v6/instant/HTTP-SERVER", httpBody("http://127.0.0.1:9/"));
        assertThat(unknownType.status()).isEqualTo(400);
        Http.Reply notYet = admin.post("/v6/instant/page-load", httpBody("http://127.0.0.1:9/"));
        assertThat(notYet.status()).isEqualTo(400);
        Http.Reply badIp = admin.post("/v6/instant/http-server",
                "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agentId + ",\"sourceIpAddress\":\"192.0.2.1\"}]}");
        assertThat(badIp.status()).isEqualTo(400);
        assertThat(error(badIp)).contains("sourceIpAddress");
        assertThat(admin.post("/v6/instant/abc/rerun", "").status()).isEqualTo(404);
        assertThat(admin.post("/v6/instant/999999/rerun", "").status()).isEqualTo(404);
        assertThat(admin.get("/v6/tests/999999").status()).isEqualTo(404);
        assertThat(admin.get("/v6/agents/999999").status()).isEqualTo(404);
    }

    @Test
    void noBadBodyOfAnyTypeGetsA500() {
        List<String> types = List.of("agent-to-server", "agent-to-agent", "http-server", "page-load", "transactions",
                "web-transactions", "ftp-server", "dns-trace", "dns-server", "dns-dnssec", "sip-server", "voice", "bgp", "x");
        String a = "\"agents\":[{\"agentId\":" + agentId + "}]";
        List<String> bodies = List.of("true", "\"text\"", "42", "[]", "{}", "{\"url\":123," + a + "}",
                "{\"agents\":\"x\"}", "{\"agents\":[1]}", "{\"agents\":[{\"agentId\":1e30}]}",
                "{\"agents\":[{\"agentId\":\"1\"}]}", "{\"agents\":[{\"agentId\":99999999999999}]}",
                "{\"url\":\"http://x/\",\"customHeaders\":\"x\"," + a + "}", "{\"url\":\"http://x/\",\"headers\":{\"a\":1}," + a + "}",
                "{\"url\":\"ftp://x/\"," + a + "}", "{\"url\":null," + a + "}", "{\"server\":{\"a\":[[[[]]]]}," + a + "}",
                "{\"domain\":\"example.com BOGUS\",\"dnsServers\":[{}]," + a + "}", "{\"targetAgentId\":-1," + a + "}",
                "{\"targetSipCredentials\":[]," + a + "}", "{\"url\":\"http://\u0000/\"," + a + "}",
                "{\"url\":\"http://x/\",\"httpTimeLimit\":1.5," + a + "}", "{\"url\":\"http://x/\",\"port\":70000," + a + "}");
        for (String type : types) {
            for (String body : bodies) {
                Http.Reply r = admin.post("/v6/instant/" + type, body);
                // a field a type does not have is ignored (v6), so a few of these are valid for some types
                assertThat(r.status()).as(type + " " + body + " -> " + r.body()).isIn(400, 201);
                if (r.status() == 400) assertThat(error(r)).as(type + " " + body).isNotBlank().doesNotContain("Exception");
            }
        }
    }

    // ---- instant tests and their data -----------------------------------------------------------------------

    @Test
    void instantTestIsCreatedWithDefaultsExpandedAgentsAndLinks() {
        Http.Reply r = admin.post("/v6/instant/http-server.json", httpBody("http://127.0.0.1:9/health"));
        assertThat(r.status()).isEqualTo(201);
        JsonNode test = r.json().get("test").get(0);
        int testId = test.get("testId").asInt();
        assertThat(test.get("type").asText()).isEqualTo("http-server");
        assertThat(test.get("interval").asInt()).isZero();
        assertThat(test.get("alertsEnabled").asInt()).isZero();
        assertThat(test.has("alertRules")).isFalse();
        assertThat(test.get("httpTimeLimit").asInt()).isEqualTo(5);
        assertThat(test.get("createdBy").asText()).isEqualTo("Administrator (" + TestWorld.EMAIL + ")");
        assertThat(test.get("createdDate").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        JsonNode agent = test.get("agents").get(0);
        assertThat(agent.get("agentId").asInt()).isEqualTo(agentId);
        assertThat(agent.get("agentName").asText()).isEqualTo("contract-agent");
        assertThat(agent.get("agentType").asText()).isEqualTo("Enterprise");
        assertThat(agent.get("ipAddresses").get(0).asText()).isEqualTo("127.0.0.1");
        String base = world.server.baseUrl();
        assertThat(test.get("apiLinks").findValuesAsText("href")).containsExactly(
                base + "/v6/tests/" + testId + "?aid=" + aid,
                base + "/v6/web/http-server/" + testId + "?aid=" + aid,
                base + "/v6/net/metrics/" + testId + "?aid=" + aid,
                base + "/v6/net/path-vis/" + testId + "?aid=" + aid);
        assertThat(test.get("apiLinks").findValuesAsText("rel")).containsExactly("self", "data", "data", "data");
        assertThat(r.header("Location")).isEqualTo(base + "/v6/tests/" + testId);
        assertThat(r.header("X-Instant-Test-Rate-Limit-Limit")).isEqualTo("10000");
        assertThat(r.header("X-Organization-Rate-Limit-Limit")).isEqualTo("100000");

        JsonNode self = admin.get("/v6/tests/" + testId).json().get("test").get(0);
        assertThat(self).isEqualTo(test);
        // instant tests are served by id, not listed (instant-tests.md §5)
        assertThat(admin.get("/v6/tests").json().get("test")).isEmpty();
        assertThat(admin.get("/v6/tests/http-server").json().get("test")).isEmpty();
        // every data link answers, before any result, with the envelope and no records key
        for (String href : test.get("apiLinks").findValuesAsText("href")) {
            Http.Reply link = admin.get(href);
            assertThat(link.status()).as(href).isEqualTo(200);
        }
        JsonNode empty = admin.get("/v6/web/http-server/" + testId).json();
        assertThat(empty.get("web").get("test").get("testId").asInt()).isEqualTo(testId);
        assertThat(empty.get("web").has("httpServer")).isFalse();
        assertThat(empty.get("pages").get("current").asInt()).isEqualTo(1);
        // wrong family
        assertThat(admin.get("/v6/dns/trace/" + testId).status()).isEqualTo(400);
    }

    @Test
    void resultsUploadedByTheAgentAppearAndRerunAddsRounds() {
        int agent = world.agent("rounds-agent");
        Http.Reply created = admin.post("/v6/instant/http-server",
                "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agent + "}],\"networkMeasurements\":0}");
        int testId = created.json().get("test").get(0).get("testId").asInt();
        JsonNode tasks = world.poll(agent);
        assertThat(tasks).hasSize(1);
        JsonNode task = tasks.get(0);
        assertThat(task.get("testId").asInt()).isEqualTo(testId);
        long round1 = task.get("roundId").asLong();
        assertThat(round1 % 60).isZero();
        world.upload(agent, task.get("taskId").asLong(), Map.of("WEB_HTTP_SERVER", List.of(record(200, "Server: x"))));

        JsonNode data = admin.get("/v6/web/http-server/" + testId).json();
        JsonNode rec = data.get("web").get("httpServer").get(0);
        assertThat(rec.get("agentId").asInt()).isEqualTo(agent);
        assertThat(rec.get("agentName").asText()).isEqualTo("rounds-agent");
        assertThat(rec.get("countryId").asText()).isEqualTo("DE");
        assertThat(rec.get("roundId").asLong()).isEqualTo(round1);
        assertThat(rec.get("date").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        assertThat(rec.get("responseCode").asInt()).isEqualTo(200);
        assertThat(rec.has("responseHeaders")).isFalse();
        assertThat(admin.get("/v6/web/http-server/" + testId + "?headers=1").json()
                .get("web").get("httpServer").get(0).get("responseHeaders").asText()).isEqualTo("Server: x");

        Http.Reply rerun = admin.post("/v6/instant/" + testId + "/rerun.json", null);
        assertThat(rerun.status()).isEqualTo(200);
        assertThat(rerun.body()).isEmpty();
        assertThat(rerun.header("Content-Length")).isEqualTo("0");
        assertThat(rerun.header("X-Instant-Test-Rate-Limit-Remaining")).isNotNull();
        // the new round exists but has no result yet: the latest-round view has no records
        assertThat(admin.get("/v6/web/http-server/" + testId).json().get("web").has("httpServer")).isFalse();
        JsonNode task2 = world.poll(agent).get(0);
        long round2 = task2.get("roundId").asLong();
        assertThat(round2).isGreaterThan(round1);
        assertThat(round2 % 60).isZero();
        world.upload(agent, task2.get("taskId").asLong(), Map.of("WEB_HTTP_SERVER", List.of(record(503, "Server: y"))));

        JsonNode latest = admin.get("/v6/web/http-server/" + testId).json().get("web").get("httpServer");
        assertThat(latest).hasSize(1);
        assertThat(latest.get(0).get("roundId").asLong()).isEqualTo(round2);
        JsonNode both = admin.get("/v6/web/http-server/" + testId + "?window=1h").json();
        assertThat(both.get("web").get("httpServer").findValuesAsText("roundId")).containsExactly("" + round1, "" + round2);
        assertThat(both.get("from").asText()).isNotBlank();
        assertThat(both.get("pages").has("next")).isFalse();

        // rerun also accepts an empty JSON body and the literal null
        assertThat(admin.post("/v6/instant/" + testId + "/rerun", "null").status()).isEqualTo(200);
        assertThat(admin.post("/v6/instant/" + testId + "/rerun", "", "Content-Type", "application/json").status()).isEqualTo(200);
    }

    @Test
    void timeParametersAreValidated() {
        int testId = createHttpTest().get("testId").asInt();
        String p = "/v6/web/http-server/" + testId;
        assertThat(admin.get(p + "?window=1h&from=2024-01-01T00:00:00").status()).isEqualTo(400);
        assertThat(admin.get(p + "?to=2024-01-01T00:00:00").status()).isEqualTo(400);
        assertThat(error(admin.get(p + "?window=1y"))).contains("window");
        assertThat(error(admin.get(p + "?from=yesterday"))).contains("from");
        assertThat(admin.get(p + "?from=2024-01-01T00:00:00&to=2024-01-02+00:00:00").status()).isEqualTo(200);
        JsonNode ranged = admin.get(p + "?from=2024-01-01%2000:00:00&to=2024-01-02T00:00:00").json();
        assertThat(ranged.get("from").asText()).isEqualTo("2024-01-01 00:00:00");
        assertThat(ranged.get("to").asText()).isEqualTo("2024-01-02 00:00:00");
        assertThat(ranged.get("web").has("httpServer")).isFalse();
        assertThat(admin.get(p + "?direction=SIDEWAYS").status()).isEqualTo(400);
    }

    @Test
    void rateLimitsChargeBothBucketsAndAnswer429(@TempDir Path own) {
        ServerConfig config = ServerConfig.defaults(own).withPort(0).withRateLimits(true, 6, 2)
                .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(20));
        try (TestWorld limited = new TestWorld(config)) {
            int agent = limited.agent("limited-agent");
            String body = "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agent + "}]}";
            Http.Reply first = limited.admin.post("/v6/instant/http-server", body);
            // a minute boundary between calls resets the windows; retry the sequence once if that happened
            if (!"1".equals(first.header("X-Instant-Test-Rate-Limit-Remaining"))) first = limited.admin.post("/v6/instant/http-server", body);
            assertThat(first.status()).isEqualTo(201);
            long reset = Long.parseLong(first.header("X-Organization-Rate-Limit-Reset"));
            assertThat(reset % 60).isZero();
            assertThat(first.header("X-Instant-Test-Rate-Limit-Limit")).isEqualTo("2");
            Http.Reply second = limited.admin.post("/v6/instant/http-server", body);
            Http.Reply third = limited.admin.post("/v6/instant/http-server", body);
            if (Long.parseLong(third.header("X-Organization-Rate-Limit-Reset")) == reset) {
                assertThat(second.status()).isEqualTo(201);
                assertThat(third.status()).isEqualTo(429);
                assertThat(error(third)).contains("instant-test rate limit");
                assertThat(third.header("X-Instant-Test-Rate-Limit-Remaining")).isEqualTo("0");
                // the org bucket still has room for reads, then runs out too
                Http.Reply read = limited.admin.get("/v6/agents");
                assertThat(read.status()).isEqualTo(200);
                assertThat(read.header("X-Instant-Test-Rate-Limit-Limit")).isNull();
                Http.Reply exhausted = limited.admin.get("/v6/agents");
                for (int i = 0; i < 5 && exhausted.status() == 200; i++) exhausted = limited.admin.get("/v6/agents");
                assertThat(exhausted.status()).isEqualTo(429);
                assertThat(exhausted.header("X-Organization-Rate-Limit-Remaining")).isEqualTo("0");
                assertThat(error(exhausted)).contains("organization rate limit of 6");
            }
        }
    }

    @Test
    void aFloodOf401sFromOneAddressGets429(@TempDir Path own) {
        try (TestWorld flood = new TestWorld(own)) {
            Http wrong = flood.anonymous.basic("x@example.net", "nope");
            // 100 failures a minute are allowed; the 101st in the same minute is refused. The loop may straddle a
            // minute boundary (a loaded machine), so it may take up to two windows' worth to see the refusal.
            int failures = 0, status = 0;
            while (failures < 202 && (status = wrong.get("/v6/agents").status()) == 401) failures++;
            assertThat(status).isEqualTo(429);
            assertThat(failures).isGreaterThanOrEqualTo(100);
            // the good user from the same address is held too until the minute ends
            assertThat(flood.admin.get("/v6/agents").status()).isIn(429, 200);
        }
    }

    @Test
    void paginationFollowsLastRoundId(@TempDir Path own) {
        System.setProperty("vantage.pageRows", "1");
        try (TestWorld paged = new TestWorld(own)) {
            System.clearProperty("vantage.pageRows");
            int agent = paged.agent("pages-agent");
            Http.Reply created = paged.admin.post("/v6/instant/http-server",
                    "{\"url\":\"http://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agent + "}],\"networkMeasurements\":0}");
            int testId = created.json().get("test").get(0).get("testId").asInt();
            for (int i = 0; i < 3; i++) {
                if (i > 0) assertThat(paged.admin.post("/v6/instant/" + testId + "/rerun", null).status()).isEqualTo(200);
                JsonNode t = paged.poll(agent).get(0);
                paged.upload(agent, t.get("taskId").asLong(), Map.of("WEB_HTTP_SERVER", List.of(record(200 + i, "Server: x"))));
            }
            JsonNode page = paged.admin.get("/v6/web/http-server/" + testId + "?window=1d").json();
            List<Integer> codes = new java.util.ArrayList<>();
            int pages = 0;
            while (true) {
                pages++;
                JsonNode records = page.get("web").get("httpServer");
                assertThat(records).hasSize(1);
                codes.add(records.get(0).get("responseCode").asInt());
                JsonNode next = page.get("pages").get("next");
                if (next == null) break;
                String href = next.asText();
                assertThat(href).startsWith(paged.server.baseUrl() + "/v6/web/http-server/" + testId + "?aid=")
                        .contains("lastRoundId=" + records.get(0).get("roundId").asLong()).contains("from=").contains("to=");
                page = paged.admin.get(href).json();
                assertThat(pages).isLessThan(5);
            }
            assertThat(codes).containsExactly(200, 201, 202);
        } finally {
            System.clearProperty("vantage.pageRows");
        }
    }

    @Test
    void agentsListShowsStateAndDetails() {
        JsonNode agents = admin.get("/v6/agents").json().get("agents");
        JsonNode mine = null;
        for (JsonNode a : agents) if (a.get("agentId").asInt() == agentId) mine = a;
        assertThat(mine).isNotNull();
        assertThat(mine.get("agentState").asText()).isEqualTo("Online");
        assertThat(mine.get("hostname").asText()).isEqualTo("host-contract-agent");
        assertThat(mine.get("lastSeen").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        assertThat(mine.get("location").asText()).isEqualTo("Lab");
        assertThat(admin.get("/v6/agents?agentTypes=ENTERPRISE").json().get("agents").findValuesAsText("agentId")).contains("" + agentId);
        assertThat(admin.get("/v6/agents?agentTypes=CLOUD").json().get("agents")).isEmpty();
        assertThat(admin.get("/v6/agents?agentTypes=BOGUS").status()).isEqualTo(400);
        JsonNode detail = admin.get("/v6/agents/" + agentId + ".json").json().get("agents").get(0);
        assertThat(detail.get("accountGroups").findValuesAsText("aid")).contains("" + aid);
        assertThat(admin.get("/v6/account-groups/" + aid).json().get("accountGroups").get(0).get("users")
                .findValuesAsText("email")).contains(TestWorld.EMAIL);
        assertThat(admin.get("/v6/users").json().get("users").findValuesAsText("email")).contains(TestWorld.EMAIL);
        assertThat(admin.get("/v6/roles").json().get("roles").findValuesAsText("roleName"))
                .contains("Organization Admin", "Account Admin", "Regular User");
    }

    @Test
    void networkDataListsMetricsAndPathVisDetailAndRejectsOtherFamilies() throws Exception {
        int agent = world.agent("network-agent");
        Http.Reply created = admin.post("/v6/instant/agent-to-server",
                "{\"server\":\"127.0.0.1\",\"agents\":[{\"agentId\":" + agent + "}]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        int testId = created.json().get("test").get(0).get("testId").asInt();
        JsonNode task = world.poll(agent).get(0);
        long round = task.get("roundId").asLong();
        ObjectNode metrics = Json.MAPPER.createObjectNode().put("loss", 0.0).put("avgLatency", 1.25)
                .put("minLatency", 1.0).put("maxLatency", 2.0).put("jitter", 0.5).put("serverIp", "127.0.0.1");
        // the engine's path-vis record: summary endpoints and detail routes in one
        ObjectNode path = Json.MAPPER.createObjectNode().put("serverIp", "127.0.0.1").put("sourceIp", "127.0.0.1");
        path.putArray("endpoints").addObject().put("pathId", "4410938271650918273").put("ipAddress", "127.0.0.1")
                .put("numberOfHops", 1).put("responseTime", 0);
        path.putArray("routes").addObject().put("pathId", "4410938271650918273")
                .putArray("hops").addObject().put("hop", 1).put("ipAddress", "127.0.0.1").put("responseTime", 0);
        world.upload(agent, task.get("taskId").asLong(), Map.of("NET_METRICS", List.of(metrics), "NET_PATH_VIS", List.of(path)));

        JsonNode net = admin.get("/v6/net/metrics/" + testId).json().get("net");
        assertThat(net.get("test").get("testId").asInt()).isEqualTo(testId);
        assertThat(net.get("metrics").get(0).get("avgLatency").asDouble()).isEqualTo(1.25);
        assertThat(net.get("metrics").get(0).get("roundId").asLong()).isEqualTo(round);

        JsonNode summary = admin.get("/v6/net/path-vis/" + testId).json().get("net").get("pathVis");
        assertThat(summary.get(0).get("endpoints").get(0).get("numberOfHops").asInt()).isEqualTo(1);
        assertThat(summary.get(0).has("routes")).isFalse();
        JsonNode detail = admin.get("/v6/net/path-vis/" + testId + "/" + agent + "/" + round).json().get("net").get("pathVis");
        assertThat(detail).hasSize(1);
        assertThat(detail.get(0).get("routes").get(0).get("hops").get(0).get("ipAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(detail.get(0).get("routes").get(0).get("pathId").asText()).isEqualTo("4410938271650918273");
        assertThat(detail.get(0).has("endpoints")).isFalse();
        assertThat(detail.get(0).get("agentName").asText()).isEqualTo("network-agent");
        // another round of the same agent has nothing: no records key
        assertThat(admin.get("/v6/net/path-vis/" + testId + "/" + agent + "/" + (round - 60)).json().get("net").has("pathVis")).isFalse();

        Document xml = xml(admin.get("/v6/net/metrics/" + testId + ".xml").body());
        assertThat(xml.getElementsByTagName("avgLatency").item(0).getTextContent()).isEqualTo("1.25");

        Http.Reply wrongFamily = admin.get("/v6/web/http-server/" + testId);
        assertThat(wrongFamily.status()).isEqualTo(400);
        assertThat(error(wrongFamily)).contains("agent-to-server");
    }

    @Test
    void httpServerCertificatesOnlyWhenAsked() {
        int agent = world.agent("cert-agent");
        Http.Reply created = admin.post("/v6/instant/http-server",
                "{\"url\":\"https://127.0.0.1:9/\",\"agents\":[{\"agentId\":" + agent + "}]}");
        int testId = created.json().get("test").get(0).get("testId").asInt();
        JsonNode task = world.poll(agent).get(0);
        ObjectNode rec = record(200, "Server: x");
        rec.putArray("sslCerts").addObject().put("subject", "CN=localhost");
        world.upload(agent, task.get("taskId").asLong(), Map.of("WEB_HTTP_SERVER", List.of(rec)));
        String p = "/v6/web/http-server/" + testId;
        assertThat(admin.get(p).json().get("web").get("httpServer").get(0).has("sslCerts")).isFalse();
        assertThat(admin.get(p + "?certificates=1").json().get("web").get("httpServer").get(0)
                .get("sslCerts").get(0).get("subject").asText()).isEqualTo("CN=localhost");
    }

    @Test
    void deleteDropsTheTestAndItsData() {
        int testId = createHttpTest().get("testId").asInt();
        assertThat(admin.post("/v6/tests/agent-to-server/" + testId + "/delete", "").status()).isEqualTo(400);
        Http.Reply deleted = admin.post("/v6/tests/http-server/" + testId + "/delete", "");
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(admin.get("/v6/tests/" + testId).status()).isEqualTo(404);
        assertThat(admin.get("/v6/web/http-server/" + testId).status()).isEqualTo(404);
    }

    static ObjectNode record(int code, String responseHeaders) {
        return Json.MAPPER.createObjectNode().put("responseCode", code).put("dnsTime", 0).put("connectTime", 1)
                .put("waitTime", 2).put("responseTime", 3).put("receiveTime", 1).put("totalTime", 4)
                .put("errorType", "None").put("responseHeaders", responseHeaders);
    }

    static Document xml(String body) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }
}
