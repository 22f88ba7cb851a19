package dev.vantage.server.store;

import dev.vantage.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on the embedded H2 file database, opened the way the server opens it (data directory). */
class H2StoreTest extends StoreContractTest {

    @TempDir
    Path tempDir;
    private Path dataDir;

    @Override
    protected void createDatabase() {
        dataDir = tempDir.resolve("data").resolve("nested"); // Stores creates missing directories
    }

    @Override
    protected Store openStore() {
        return Stores.open(ServerConfig.defaults(dataDir));
    }

    @Override
    protected void dropDatabase() {
        // the temp dir goes with the test
    }

    @Test
    void theDatabaseIsAFileInTheDataDirectory() {
        assertThat(dataDir.resolve("vantage.mv.db")).exists();
        assertThat(Stores.h2Url(dataDir)).contains("MODE=PostgreSQL").contains("AUTO_SERVER=TRUE");
    }

    @Test
    void aSecondProcessCanUseTheDatabaseWhileTheServerHoldsIt() throws Exception {
        store.createOrganization("Acme", "tok-acme", 240, 24);
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                H2SecondProcess.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output.lines().filter(l -> l.startsWith("TOKEN "))).containsExactly("TOKEN tok-acme");
        assertThat(store.organizationByAgentToken("tok-second-process")).isPresent();
    }

    @Test
    void anUnusableDataDirectoryIsAClearError() throws Exception {
        Path file = Files.writeString(tempDir.resolve("not-a-dir"), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Stores.open(ServerConfig.defaults(file.resolve("data"))))
                .hasMessageContaining("cannot create data directory");
    }
}
