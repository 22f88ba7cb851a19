package dev.vantage.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** `vantage agent` as a separate JVM, on the test's own class path; its output goes to a log file. */
final class AgentProcess implements AutoCloseable {
    private final Process process;
    final Path log;

    AgentProcess(Path dir, String serverUrl, String token, String name) throws IOException {
        log = dir.resolve("agent-" + name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.vantage.app.Main", "agent", "--server", serverUrl, "--token", token, "--name", name,
                "--location", "E2E Lab", "--country", "DE"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM (the agent's shutdown hook closes it cleanly), then SIGKILL if it lingers. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop();
    }
}
