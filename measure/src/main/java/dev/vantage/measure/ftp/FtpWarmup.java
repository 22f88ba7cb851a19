package dev.vantage.measure.ftp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.Measurements;
import dev.vantage.measure.RunContext;
import dev.vantage.model.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Part of {@link dev.vantage.measure.Warmup}: runs the ftp-server engine against a loopback responder so that
 * loading Commons Net and compiling its reply parsing do not land in the first real session's phases (cold, they
 * add ~40 ms to a loopback download). The responder speaks just the replies one clear-text RETR/LIST needs; it
 * is written here because no FTP server ships in the runtime, and it only ever serves the warm-up.
 */
public final class FtpWarmup {
    private static final Logger log = LoggerFactory.getLogger(FtpWarmup.class);
    private static final byte[] DATA = new byte[256 * 1024];

    private FtpWarmup() {}

    public static void run(int rounds) throws InterruptedException {
        try (ServerSocket control = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!control.isClosed()) {
                    try {
                        Socket session = control.accept();
                        Thread.ofVirtual().start(() -> serve(session));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            String base = "ftp://127.0.0.1:" + control.getLocalPort() + "/";
            for (int i = 0; i < rounds; i++) {
                ObjectNode test = Json.MAPPER.createObjectNode().put("url", base + "warm.bin")
                        .put("requestType", i % 2 == 0 ? "Download" : "List")
                        .put("username", "warm").put("password", "up").put("networkMeasurements", 0);
                Measurements.run("ftp-server", test, RunContext.withTimeoutMillis(2_000, "warm-up"));
            }
            acceptor.interrupt();
        } catch (IOException e) {
            log.warn("ftp engine warm-up skipped: {}", e.toString());
        }
    }

    private static void serve(Socket session) {
        ServerSocket passive = null;
        try (session; Writer out = new java.io.OutputStreamWriter(session.getOutputStream(), StandardCharsets.US_ASCII);
             BufferedReader in = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.US_ASCII))) {
            reply(out, "220 warm-up");
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (command) {
                    case "USER" -> reply(out, "331 password please");
                    case "PASS" -> reply(out, "230 logged in");
                    case "TYPE" -> reply(out, "200 type set");
                    case "PASV" -> {
                        if (passive != null) passive.close();
                        passive = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                        int port = passive.getLocalPort();
                        reply(out, "227 Entering Passive Mode (127,0,0,1," + (port >> 8) + "," + (port & 0xff) + ")");
                    }
                    case "RETR", "LIST" -> {
                        if (passive == null) {
                            reply(out, "425 use PASV first");
                            continue;
                        }
                        reply(out, "150 opening data connection");
                        try (ServerSocket listener = passive; Socket data = listener.accept(); OutputStream d = data.getOutputStream()) {
                            d.write(DATA, 0, command.equals("RETR") ? DATA.length : 64);
                        }
                        passive = null;
                        reply(out, "226 transfer complete");
                    }
                    case "QUIT" -> {
                        reply(out, "221 bye");
                        return;
                    }
                    default -> reply(out, "502 not here"); // AUTH too: the engine goes on in clear
                }
            }
        } catch (IOException ignored) {
            // the engine closed first; nothing to report from a warm-up
        } finally {
            try {
                if (passive != null) passive.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static void reply(Writer out, String line) throws IOException {
        out.write(line + "\r\n");
        out.flush();
    }
}
