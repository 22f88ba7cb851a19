package dev.vantage.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.vantage.model.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Runs the engines a few times against a responder on this host's loopback before real work, so that class loading
 * and the JIT's first compilations do not land inside the phases of the first measurements (a cold JVM adds tens of
 * milliseconds to a loopback fetch that curl does in two). Nothing from these runs is reported.
 */
public final class Warmup {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);
    static final int ROUNDS = 40;

    private Warmup() {}

    /** Warms every engine: what an agent does before its first task. */
    public static void run() {
        run(null);
    }

    /**
     * Warms the engines a test of {@code type} uses: its own and the network layer ({@code null}: every engine), so a
     * one-shot {@code vantage measure} does not pay for the engines it will not run.
     */
    public static void run(String type) {
        long t0 = System.nanoTime();
        HttpServer responder;
        try {
            responder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            log.warn("engine warm-up skipped: no loopback responder ({})", e.getMessage());
            return;
        }
        byte[] body = "warm".getBytes(StandardCharsets.US_ASCII);
        responder.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        responder.start();
        try {
            ObjectNode http = Json.MAPPER.createObjectNode()
                    .put("url", "http://127.0.0.1:" + responder.getAddress().getPort() + "/")
                    .put("networkMeasurements", 0);
            if (uses(type, "http-server")) {
                for (int i = 0; i < ROUNDS; i++) {
                    Measurements.run("http-server", http, RunContext.withTimeoutMillis(2_000, "warm-up"));
                }
            }
            ObjectNode net = Json.MAPPER.createObjectNode()
                    .put("server", "127.0.0.1").put("port", responder.getAddress().getPort());
            Measurements.run("agent-to-server", net, RunContext.withTimeoutMillis(300, "warm-up"));
            if (uses(type, "sip-server")) dev.vantage.measure.sip.SipWarmup.run(ROUNDS);
            if (uses(type, "dns-server", "dns-trace", "dns-dnssec")) dev.vantage.measure.dns.DnsMeasurements.warmUp();
            if (uses(type, "agent-to-agent", "voice")) dev.vantage.measure.a2a.PairWarmup.run();
            if (uses(type, "ftp-server")) dev.vantage.measure.ftp.FtpWarmup.run(ROUNDS / 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            log.warn("engine warm-up failed: {}", e.toString());
        } finally {
            responder.stop(0);
        }
        log.info("engines warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private static boolean uses(String type, String... types) {
        return type == null || java.util.Arrays.asList(types).contains(type);
    }
}
