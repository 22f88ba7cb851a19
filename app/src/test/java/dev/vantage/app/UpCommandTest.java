package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** `vantage up` as a user runs it: its own JVM, port 0, a fresh data directory; then the printed curl works. */
class UpCommandTest {
    private static final Pattern URL = Pattern.compile("Vantage is running at (http://\\S+)");
    private static final Pattern EMAIL = Pattern.compile("admin e-mail\\s+(\\S+)");
    private static final Pattern TOKEN = Pattern.compile("API token\\s+(\\S+)");
    private static final Pattern AGENT_ID = Pattern.compile("\"agentId\":(\\d+)");

    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process up(Path data, Path out) throws IOException {
        return launch(out, "up", "--port", "0", "--data", data.toString(), "--agent-name", "built-in");
    }

    private Process launch(Path out, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                "dev.vantage.app.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("VANTAGE_"));
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String find(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("'%s' in:%n%s", pattern, text).isTrue();
        return m.group(1);
    }

    @Test
    void upPrintsCredentialsOnceAndItsBuiltInAgentRunsTheCurlExample() throws Exception {
        Path data = tmp.resolve("data");
        Path out = tmp.resolve("up.out");
        Process process = up(data, out);
        await().atMost(Duration.ofSeconds(40)).until(() -> read(out).contains("curl ") || !process.isAlive());
        String printed = read(out);
        assertThat(process.isAlive()).as(printed + read(tmp.resolve("up.out.err"))).isTrue();
        String base = find(URL, printed);
        String email = find(EMAIL, printed);
        String token = find(TOKEN, printed);
        String agentId = find(AGENT_ID, printed);

        try (TargetServer target = new TargetServer(); V6Client v6 = new V6Client(base, email, token)) {
            V6Client.Reply created = v6.post("/v6/instant/http-server",
                    "{\"agents\":[{\"agentId\":" + agentId + "}],\"url\":\"" + target.url() + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            int testId = created.json().path("test").path(0).path("testId").asInt();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode records = v6.get("/v6/web/http-server/" + testId).json().path("web").path("httpServer");
                assertThat(records).hasSize(1);
                assertThat(records.path(0).path("responseCode").asInt()).isEqualTo(200);
            });
        }

        // Ctrl-C (SIGTERM here) stops server and agent cleanly.
        process.destroy();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as(read(tmp.resolve("up.out.err"))).isTrue();

        // Second start on the same data: same service, no credentials printed again.
        Path again = tmp.resolve("up2.out");
        Process second = up(data, again);
        await().atMost(Duration.ofSeconds(40)).until(() -> URL.matcher(read(again)).find() || !second.isAlive());
        assertThat(second.isAlive()).as(read(tmp.resolve("up2.out.err"))).isTrue();
        String secondOutput = read(again);
        assertThat(secondOutput).doesNotContain(token).doesNotContain("API token");
        try (V6Client v6 = new V6Client(find(URL, secondOutput), email, token)) {
            assertThat(v6.get("/v6/agents").status()).isEqualTo(200);
        }
    }

    @Test
    void aKilledServerLosesNothingItAnswered201For() throws Exception {
        Path data = tmp.resolve("data");
        Path out = tmp.resolve("server.out");
        Process server = launch(out, "server", "--port", "0", "--data", data.toString());
        await().atMost(Duration.ofSeconds(40)).until(() -> read(out).contains("agent token") || !server.isAlive());
        String printed = read(out);
        String base = find(URL, printed);
        String email = find(EMAIL, printed);
        String token = find(TOKEN, printed);
        String agentToken = find(Pattern.compile("agent token\\s+(\\S+)"), printed);

        int testId;
        int agentId;
        try (TargetServer target = new TargetServer(); V6Client v6 = new V6Client(base, email, token)) {
            // the agent registers, then goes away: its task stays queued
            try (dev.vantage.agent.Agent agent = new dev.vantage.agent.Agent(
                    dev.vantage.agent.AgentSettings.of(base, agentToken, "kill-test")).start()) {
                agentId = agent.awaitConnected(Duration.ofSeconds(30));
            }
            V6Client.Reply created = v6.post("/v6/instant/http-server",
                    "{\"agents\":[{\"agentId\":" + agentId + "}],\"url\":\"" + target.url() + "\",\"networkMeasurements\":0}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            testId = created.json().path("test").path(0).path("testId").asInt();
            server.destroyForcibly(); // SIGKILL, right after the 201
            assertThat(server.waitFor(15, TimeUnit.SECONDS)).isTrue();

            Path again = tmp.resolve("server2.out");
            Process second = launch(again, "server", "--port", "0", "--data", data.toString());
            await().atMost(Duration.ofSeconds(40)).until(() -> URL.matcher(read(again)).find() || !second.isAlive());
            String base2 = find(URL, read(again));
            try (V6Client v6b = new V6Client(base2, email, token);
                 dev.vantage.agent.Agent agent = new dev.vantage.agent.Agent(
                         dev.vantage.agent.AgentSettings.of(base2, agentToken, "kill-test")).start()) {
                assertThat(v6b.get("/v6/tests/" + testId).status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonNode records = v6b.get("/v6/web/http-server/" + testId).json().path("web").path("httpServer");
                    assertThat(records).as("server logs:%n%s%n---%n%s", read(tmp.resolve("server.out.err")),
                            read(tmp.resolve("server2.out.err"))).hasSize(1);
                    assertThat(records.path(0).path("responseCode").asInt()).isEqualTo(200);
                    assertThat(records.path(0).path("agentId").asInt()).isEqualTo(agentId);
                });
            }
        }
    }
}
