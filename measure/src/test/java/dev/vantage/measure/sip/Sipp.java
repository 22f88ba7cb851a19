package dev.vantage.measure.sip;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code sipp} (Debian's sip-tester) running one of our XML scenarios as a UAS on a free loopback port,
 * with its message log, so tests can read what it received and sent. {@link #close} kills it.
 */
final class Sipp implements AutoCloseable {
    private static final Pattern MESSAGE_HEADER = Pattern.compile(
            "^-+ [^\\n]*\\n(?:UDP|TCP|TLS) message (received|sent) (?:\\[\\d+\\] bytes :|\\(\\d+ bytes\\):)\\n\\n", Pattern.MULTILINE);

    final int port;
    final String transport;
    private final Process process;
    private final Path messages;
    private final Path output;

    private Sipp(int port, String transport, Process process, Path messages, Path output) {
        this.port = port;
        this.transport = transport;
        this.process = process;
        this.messages = messages;
        this.output = output;
    }

    /**
     * @param scenario  resource name under {@code /sip/}, e.g. {@code pbx.xml}
     * @param transport {@code UDP} or {@code TCP}
     * @param dir       where the scenario copy and the logs go
     * @param extra     more sipp options, e.g. {@code -d 300} for a scenario's bare {@code <pause/>}
     */
    static Sipp uas(String scenario, String transport, Path dir, String... extra) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(dir, scenario.replace(".xml", "") + "-" + transport.toLowerCase(Locale.ROOT));
        Path file = work.resolve(scenario);
        try (InputStream in = Sipp.class.getResourceAsStream("/sip/" + scenario)) {
            if (in == null) throw new IOException("no test resource /sip/" + scenario);
            Files.copy(in, file);
        }
        for (int attempt = 0; ; attempt++) {
            int port = freePort();
            Path messages = work.resolve("messages-" + port + ".log");
            Path output = work.resolve("sipp-" + port + ".out");
            List<String> command = new ArrayList<>(List.of("sipp", "-sf", file.toString(), "-i", "127.0.0.1",
                    "-p", Integer.toString(port), "-t", transport.equals("UDP") ? "u1" : "t1",
                    "-cp", Integer.toString(freePort()), "-nostdin", "-trace_msg", "-message_file", messages.toString(),
                    "-trace_err", "-error_file", work.resolve("errors-" + port + ".log").toString(),
                    "-timeout", "170s"));
            command.addAll(List.of(extra));
            Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            Sipp sipp = new Sipp(port, transport, p, messages, output);
            if (sipp.awaitListening()) return sipp;
            sipp.close();
            if (attempt == 2) throw new IOException("sipp did not start: " + sipp.output());
        }
    }

    /** A port free for both UDP and TCP on loopback at this moment. */
    static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free port");
    }

    /** Waits until the kernel shows sipp's socket bound (/proc/net), without sending it anything. */
    private boolean awaitListening() throws IOException, InterruptedException {
        String hexPort = String.format(Locale.ROOT, ":%04X ", port);
        Path table = Path.of(transport.equals("UDP") ? "/proc/net/udp" : "/proc/net/tcp");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (!process.isAlive()) return false;
            for (String line : Files.readAllLines(table)) {
                String[] f = line.strip().split("\\s+");
                if (f.length > 3 && (f[1] + " ").contains(hexPort) && (transport.equals("UDP") || f[3].equals("0A"))) {
                    return true;
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Messages sipp logged, in order, each as text, marked by direction. */
    List<Logged> messages() throws IOException {
        if (!Files.exists(messages)) return List.of();
        String log = Files.readString(messages, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        List<Logged> out = new ArrayList<>();
        Matcher m = MESSAGE_HEADER.matcher(log);
        List<int[]> starts = new ArrayList<>();
        List<Boolean> received = new ArrayList<>();
        while (m.find()) {
            starts.add(new int[]{m.start(), m.end()});
            received.add(m.group(1).equals("received"));
        }
        for (int i = 0; i < starts.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1)[0] : log.length();
            out.add(new Logged(received.get(i), log.substring(starts.get(i)[1], end).strip()));
        }
        return out;
    }

    /** Received requests of one method, in order. */
    List<String> received(String method) throws IOException {
        return messages().stream().filter(l -> l.received && l.text.startsWith(method + " ")).map(Logged::text).toList();
    }

    List<String> sent() throws IOException {
        return messages().stream().filter(l -> !l.received).map(Logged::text).toList();
    }

    record Logged(boolean received, String text) {}

    String output() throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.ISO_8859_1) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
