package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import dev.vantage.server.store.Store;
import dev.vantage.server.store.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line in-process: help everywhere, user mistakes as one clear line with exit code 2. */
class MainTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "up", "server", "agent", "agent-token", "measure", "measure http-server",
            "measure agent-to-server", "measure sip-server", "bench sip", "bench net"})
    void everyCommandHasHelp(String command) {
        String[] words = command.isEmpty() ? new String[0] : command.split(" ");
        String[] args = java.util.Arrays.copyOf(words, words.length + 1);
        args[words.length] = "--help";
        Run run = run(args);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Usage: vantage" + (command.isEmpty() ? "" : " " + command));
    }

    @Test
    void noCommandPrintsTheCommandList() {
        Run run = run();
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("up", "server", "agent", "agent-token", "measure");
    }

    @Test
    void unknownOptionsAndMissingValuesAreUsageErrors() {
        Run unknown = run("up", "--prot", "1");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--prot");
        Run missing = run("agent", "--token", "x");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--server");
        Run badPort = run("server", "--port", "eighty");
        assertThat(badPort.code()).isEqualTo(2);
        assertThat(badPort.err()).contains("eighty");
    }

    @Test
    void anAgentNeedsAWellFormedServerUrl() {
        Run run = run("agent", "--server", "127.0.0.1:8080", "--token", "t", "--name", "x");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("http(s)://host");
    }

    @Test
    void agentTokenWithoutADatabaseSaysWhatToDo(@TempDir Path empty) {
        Run run = run("agent-token", "--data", empty.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("no Vantage database", "vantage up");
    }

    @Test
    void agentTokenPrintsTheOrganizationsToken(@TempDir Path data) {
        try (Store store = Stores.open(ServerConfig.defaults(data))) {
            store.createOrganization("Acme", "agent-token-from-store", 240, 24);
        }
        Run run = run("agent-token", "--data", data.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualTo("agent-token-from-store");
    }

    @Test
    void measureWithoutATypeSaysWhichTypesExist() {
        Run run = run("measure");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("http-server", "agent-to-server");
    }

    @Test
    void measureAgentToServerPrintsMetricsMtuAndTheHopTable() throws Exception {
        try (java.net.ServerSocket target = new java.net.ServerSocket(0, 100, java.net.InetAddress.getLoopbackAddress())) {
            Run run = run("measure", "agent-to-server", "--server", "127.0.0.1:" + target.getLocalPort(), "--traces", "3");
            assertThat(run.code()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains("net/metrics", "probeMethod", "pathMtu", "net/path-vis", "trace 3 (pathId",
                    "Hop  Address", "127.0.0.1");
        }
    }

    @Test
    void measureHttpServerPrintsTheRecordOfARealRequest() throws Exception {
        try (TargetServer target = new TargetServer()) {
            Run run = run("measure", "http-server", "--url", target.url());
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).contains("web/http-server", "200");
            assertThat(target.hits.get()).isEqualTo(1);

            Run json = run("measure", "http-server", "--url", target.url(), "--json");
            assertThat(json.code()).as(json.err()).isZero();
            var records = dev.vantage.model.Json.MAPPER.readTree(json.out()).path("web/http-server");
            assertThat(records.path(0).path("responseCode").asInt()).isEqualTo(200);
        }
    }

    @Test
    void aFailedMeasurementExitsOneAndSaysWhy() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Run run = run("measure", "http-server", "--url", "http://127.0.0.1:" + closedPort + "/");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("errorType", "Connect", "errorDetails");
    }

    @Test
    void measureRefusesBadFieldsWithTheCataloguesMessage() {
        Run run = run("measure", "http-server", "--url", "ftp://example.net/");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("url");
        Run field = run("measure", "http-server", "--url", "http://127.0.0.1/", "--field", "nonsense");
        assertThat(field.code()).isEqualTo(2);
        assertThat(field.err()).contains("NAME=VALUE");
    }
}
