package dev.vantage.measure.dns;

import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private DNS hierarchy served by real BIND {@code named} processes, each on port 53 of its own loopback address
 * in 127.0.53.0/24 (each added to lo as a /32 for the test, since named binds only interface addresses): a signed root, a signed TLD {@code vlab.} with a good signed
 * leaf, a leaf whose signatures expired, a leaf whose DS in the parent matches none of its keys, an unsigned leaf whose name server lives in another TLD ({@code vnet.},
 * so the referral has no glue), a delegation to an address where nothing listens ({@code dead.vlab.}), and a
 * recursive resolver whose hints are the private root. Besides BIND: a UDP
 * forwarder that holds every answer of the good leaf's server for {@link #DELAY_MILLIS}, a socket that never
 * answers, and an address where nothing listens. Zones are signed at start with dnssec-keygen/dnssec-signzone;
 * {@link #trustAnchorFile()} holds the private root's DS. Needs root (port 53) and bind9 + bind9-utils.
 */
public final class PrivateDnsHierarchy implements AutoCloseable {
    public static final String ROOT = "127.0.53.1";
    public static final String TLD = "127.0.53.2";
    public static final String GOOD = "127.0.53.3";
    public static final String BROKEN = "127.0.53.4";
    public static final String VNET = "127.0.53.5";
    public static final String AWAY = "127.0.53.6";
    /** Signed, but the DS in vlab. is of a key the zone does not have. */
    public static final String MISMATCH = "127.0.53.7";
    public static final String RESOLVER = "127.0.53.10";
    /** Forwards to {@link #GOOD} and holds each answer back for {@link #DELAY_MILLIS}. */
    public static final String DELAYED = "127.0.53.11";
    /** Nothing listens here: queries get ICMP port unreachable. */
    public static final String UNREACHABLE = "127.0.53.12";
    /** A UDP socket that reads nothing: queries time out. */
    public static final String SILENT = "127.0.53.13";
    public static final long DELAY_MILLIS = 150;

    private final Path dir;
    private final List<Process> named = new ArrayList<>();
    private final List<DatagramSocket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> addedAddresses = new ArrayList<>();
    private Path trustAnchorFile;
    private Path rootHintsFile;

    private PrivateDnsHierarchy(Path dir) {
        this.dir = dir;
    }

    /** Writes, signs and serves the hierarchy; closes what it started if any step fails. */
    public static PrivateDnsHierarchy start() throws Exception {
        PrivateDnsHierarchy h = new PrivateDnsHierarchy(Files.createTempDirectory("vantage-dns-"));
        try {
            h.build();
            return h;
        } catch (Exception | Error e) {
            h.close();
            throw e;
        }
    }

    public Path trustAnchorFile() { return trustAnchorFile; }
    public Path rootHintsFile() { return rootHintsFile; }

    /** The engines' view: the private root as hints and its DS as the trust anchor. */
    public DnsConfig config() {
        return DnsConfig.DEFAULT.withRootHints(rootHintsFile.toString()).withTrustAnchorFile(trustAnchorFile);
    }

    private void build() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        // leaves first: their DS records go into the parent before the parent is signed
        String good = zone("good.vlab.", GOOD, """
                www     A     192.0.2.10
                www     AAAA  2001:db8::10
                @       MX    10 mail
                mail    A     192.0.2.25
                txt     TXT   "hello from good.vlab"
                alias   CNAME www.away.vlab.
                """ + bigTxt());
        String goodDs = sign("good.vlab.", good, keys, false);
        String broken = zone("broken.vlab.", BROKEN, """
                www     A     192.0.2.20
                """);
        String brokenDs = sign("broken.vlab.", broken, keys, true);
        sign("mismatch.vlab.", zone("mismatch.vlab.", MISMATCH, """
                www     A     192.0.2.40
                """), keys, false);
        String stray = run(keys, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "-K", keys.toString(),
                "mismatch.vlab.").strip();
        String mismatchDs = run(keys, "dnssec-dsfromkey", "-2", keys.resolve(stray + ".key").toString()).strip();
        write("away.vlab.zone", zone("away.vlab.", null, """
                @       NS    ns.hosting.vnet.
                www     A     192.0.2.30
                """));
        write("vnet.zone", zone("vnet.", VNET, """
                ns.hosting  A  %s
                """.formatted(AWAY), "ns.nic"));
        String vlab = zone("vlab.", TLD, """
                good        NS  ns1.good
                ns1.good    A   %s
                %s
                broken      NS  ns1.broken
                ns1.broken  A   %s
                %s
                mismatch    NS  ns1.mismatch
                ns1.mismatch A  %s
                %s
                away        NS  ns.hosting.vnet.
                dead        NS  ns1.dead
                ns1.dead    A   %s
                """.formatted(GOOD, goodDs, BROKEN, brokenDs, MISMATCH, mismatchDs, UNREACHABLE), "ns1.nic");
        String vlabDs = sign("vlab.", vlab, keys, false);
        String root = """
                $TTL 86400
                .                SOA  a.root-servers. hostmaster.vlab. 1 1800 900 604800 86400
                .                NS   a.root-servers.
                a.root-servers.  A    %s
                vlab.          NS   ns1.nic.vlab.
                ns1.nic.vlab.  A    %s
                %s
                vnet.          NS   ns.nic.vnet.
                ns.nic.vnet.   A    %s
                """.formatted(ROOT, TLD, vlabDs, VNET);
        String rootDs = sign(".", root, keys, false);
        trustAnchorFile = write("trust-anchor.ds", rootDs + "\n");
        rootHintsFile = write("root.hints", """
                .                3600000  NS  a.root-servers.
                a.root-servers.  3600000  A   %s
                """.formatted(ROOT));

        // named listens only on addresses an interface has, so lo gets each server's own /32
        for (String ip : List.of(ROOT, TLD, GOOD, BROKEN, VNET, AWAY, MISMATCH, RESOLVER)) addToLoopback(ip);
        serve("root", ROOT, "zone \".\" { type primary; file \"" + dir.resolve("root.signed") + "\"; };", false);
        serve("vlab", TLD, "zone \"vlab.\" { type primary; file \"" + dir.resolve("vlab.signed") + "\"; };", false);
        serve("good", GOOD, "zone \"good.vlab.\" { type primary; file \"" + dir.resolve("good.vlab.signed") + "\"; };", false);
        serve("broken", BROKEN, "zone \"broken.vlab.\" { type primary; file \"" + dir.resolve("broken.vlab.signed") + "\"; };", false);
        serve("mismatch", MISMATCH, "zone \"mismatch.vlab.\" { type primary; file \"" + dir.resolve("mismatch.vlab.signed") + "\"; };", false);
        serve("vnet", VNET, "zone \"vnet.\" { type primary; file \"" + dir.resolve("vnet.zone") + "\"; };", false);
        serve("away", AWAY, "zone \"away.vlab.\" { type primary; file \"" + dir.resolve("away.vlab.zone") + "\"; };", false);
        serve("resolver", RESOLVER, "zone \".\" { type hint; file \"" + rootHintsFile + "\"; };", true);
        startDelayingForwarder();
        startSilentSocket();
        for (String ip : List.of(ROOT, TLD, GOOD, BROKEN, VNET, AWAY, MISMATCH, RESOLVER, DELAYED)) awaitAnswering(ip);
    }

    private void addToLoopback(String ip) throws Exception {
        Process p = new ProcessBuilder("ip", "addr", "add", ip + "/32", "dev", "lo").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        if (p.exitValue() == 0) addedAddresses.add(ip);
        else if (!out.contains("File exists")) throw new IllegalStateException("ip addr add " + ip + " failed: " + out);
    }

    /** A zone file: SOA, NS (the server's own name in the zone unless the body names its NS) and the body. */
    private static String zone(String origin, String serverIp, String body) {
        return zone(origin, serverIp, body, "ns1");
    }

    private static String zone(String origin, String serverIp, String body, String nsLabel) {
        StringBuilder z = new StringBuilder("$ORIGIN " + origin + "\n$TTL 300\n");
        z.append("@ SOA ").append(nsLabel).append(" hostmaster 1 3600 600 86400 300\n");
        if (serverIp != null) {
            z.append("@ NS ").append(nsLabel).append('\n');
            z.append(nsLabel).append(" A ").append(serverIp).append('\n');
        }
        return z.append(body).toString();
    }

    /** Enough TXT data that the answer does not fit a 1232-byte UDP payload (the TC=1 → TCP case). */
    private static String bigTxt() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 30; i++) s.append("big TXT \"record ").append(i).append(' ').append("x".repeat(60)).append("\"\n");
        return s.toString();
    }

    /**
     * Makes a KSK and a ZSK (ECDSA P-256, quick to make) and signs the zone into {@code <zone>signed}; {@code
     * expired} signs with a validity window in 2020. Returns the DS record of the KSK for the parent (SHA-256).
     */
    private String sign(String zone, String text, Path keys, boolean expired) throws Exception {
        String ksk = run(keys, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "-K", keys.toString(), zone).strip();
        String zsk = run(keys, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-K", keys.toString(), zone).strip();
        String file = zone.equals(".") ? "root." : zone;
        Path unsigned = write(file + "zone", text + "\n$INCLUDE " + keys.resolve(ksk + ".key")
                + "\n$INCLUDE " + keys.resolve(zsk + ".key") + "\n");
        List<String> cmd = new ArrayList<>(List.of("dnssec-signzone", "-q", "-K", keys.toString(), "-d", keys.toString(),
                "-o", zone, "-f", dir.resolve(file + "signed").toString()));
        if (expired) cmd.addAll(List.of("-P", "-s", "20200101000000", "-e", "20200201000000"));
        cmd.addAll(List.of(unsigned.toString(), keys.resolve(ksk + ".key").toString(), keys.resolve(zsk + ".key").toString()));
        run(keys, cmd.toArray(String[]::new));
        return run(keys, "dnssec-dsfromkey", "-2", keys.resolve(ksk + ".key").toString()).strip();
    }

    private void serve(String name, String ip, String zones, boolean recursive) throws IOException {
        Path work = Files.createDirectories(dir.resolve("named-" + name));
        Path conf = write("named-" + name + ".conf", """
                options {
                    directory "%s";
                    pid-file "%s/named.pid";
                    session-keyfile "%s/session.key";
                    listen-on port 53 { %s; };
                    listen-on-v6 { none; };
                    recursion %s;
                    %s
                    dnssec-validation no;
                    notify no;
                    minimal-responses no;
                };
                controls { };
                %s
                """.formatted(work, work, work, ip, recursive ? "yes" : "no",
                recursive ? "allow-recursion { any; };" : "", zones));
        Process p = new ProcessBuilder("named", "-g", "-4", "-n", "1", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("named.log").toFile()).start();
        named.add(p);
    }

    /** UDP on {@link #DELAYED}:53 → {@link #GOOD}:53, each answer held {@link #DELAY_MILLIS} before it is sent on. */
    private void startDelayingForwarder() throws SocketException {
        DatagramSocket front = bind(DELAYED);
        Thread t = Thread.ofPlatform().daemon().name("dns-delay").start(() -> {
            byte[] buf = new byte[65535];
            while (!front.isClosed()) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    front.receive(in);
                } catch (IOException closed) {
                    return;
                }
                byte[] query = java.util.Arrays.copyOf(in.getData(), in.getLength());
                var client = in.getSocketAddress();
                Thread.ofVirtual().start(() -> {
                    try (DatagramSocket back = new DatagramSocket()) {
                        back.setSoTimeout(2000);
                        back.send(new DatagramPacket(query, query.length, new InetSocketAddress(GOOD, 53)));
                        DatagramPacket answer = new DatagramPacket(new byte[65535], 65535);
                        back.receive(answer);
                        Thread.sleep(DELAY_MILLIS);
                        front.send(new DatagramPacket(answer.getData(), answer.getLength(), client));
                    } catch (IOException | InterruptedException ignored) {
                        // the client sees a timeout, as it would from a real dead forwarder
                    }
                });
            }
        });
        threads.add(t);
    }

    private void startSilentSocket() throws SocketException {
        bind(SILENT);
    }

    private DatagramSocket bind(String ip) throws SocketException {
        try {
            DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 53));
            sockets.add(s);
            return s;
        } catch (SocketException e) {
            throw new SocketException("cannot bind " + ip + ":53 (" + e.getMessage() + "); the DNS tests need root");
        }
    }

    /** Polls with an SOA query until the server answers (named loads and signs nothing at start, so this is quick). */
    private void awaitAnswering(String ip) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        InetAddress addr = InetAddress.getByName(ip);
        Message q = new DnsQuestion(Name.root, Type.SOA).query(ip.equals(RESOLVER));
        while (true) {
            DnsExchange.Outcome o = DnsExchange.send(addr, 53, q, false, false, 300);
            if (o.answered()) return;
            for (Process p : named) {
                if (!p.isAlive()) throw new IllegalStateException("named exited early: " + logs());
            }
            if (System.nanoTime() > until) throw new IllegalStateException(ip + " never answered: " + o.error() + "\n" + logs());
            Thread.sleep(50);
        }
    }

    private String logs() throws IOException {
        StringBuilder s = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path log : files.filter(f -> f.getFileName().toString().equals("named.log")).toList()) {
                s.append("== ").append(log).append('\n').append(Files.readString(log));
            }
        }
        return s.toString();
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /**
     * Runs dig (bind9-dnsutils) and returns what it printed. {@code dig +trace} looks up every name server's address
     * with the system resolver (it ignores glue), so dig runs in a private mount namespace whose resolv.conf names
     * this hierarchy's recursive resolver (util-linux unshare; the host's own file is untouched).
     */
    public String dig(String... args) throws Exception {
        Path resolvConf = write("resolv.conf", "nameserver " + RESOLVER + "\n");
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "sh", "-c",
                "mount --bind \"$0\" /etc/resolv.conf && exec dig \"$@\"", resolvConf.toString()));
        cmd.addAll(List.of(args));
        return run(dir, cmd.toArray(String[]::new));
    }

    /** Runs delv (bind9-dnsutils) through the lab resolver with the private root's DS as its trust anchor. */
    public String delv(String... args) throws Exception {
        String[] ds = Files.readString(trustAnchorFile).strip().split("\\s+"); // . IN DS tag alg digestType digest
        Path anchors = write("delv-anchors.conf", "trust-anchors {\n  . static-ds " + ds[3] + " " + ds[4] + " " + ds[5]
                + " \"" + ds[6] + "\";\n};\n");
        List<String> cmd = new ArrayList<>(List.of("delv", "@" + RESOLVER, "-a", anchors.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS); // delv exits 1 when validation fails: that is an answer here
        return out;
    }

    @Override
    public void close() {
        for (Process p : named) p.destroy();
        for (Process p : named) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (DatagramSocket s : sockets) s.close();
        for (Thread t : threads) t.interrupt();
        for (String ip : addedAddresses) {
            try {
                new ProcessBuilder("ip", "addr", "del", ip + "/32", "dev", "lo").start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException ignored) {
                // a /32 left on lo harms nothing
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // a temp dir left behind is not worth failing a test run for
        }
    }
}
