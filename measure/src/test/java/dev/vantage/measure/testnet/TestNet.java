package dev.vantage.measure.testnet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network a test builds on this host out of network namespaces (ip-netns(8)) joined by veth pairs, with
 * namespaces as routers, so that packets really cross hops: TTLs expire, routers send ICMP, links have their own
 * MTU and nftables drops packets at random. Every namespace carries this instance's prefix (which holds the JVM's
 * pid), {@link #close()} deletes them all with the processes started in them, and {@link #sweepStale()} removes
 * what a killed earlier run left behind. Needs root (CI and these machines run as root).
 *
 * <pre>{@code
 * try (TestNet net = new TestNet()) {
 *     String agent = net.host("agent"), r1 = net.router("r1"), target = net.host("target");
 *     net.link(agent, "10.1.0.1/30", r1, "10.1.0.2/30");
 *     net.link(r1, "10.2.0.1/30", target, "10.2.0.2/30");
 *     net.route(agent, "default", "10.1.0.2");
 *     net.route(target, "default", "10.2.0.1");
 *     net.run(agent, "ping", "-c1", "10.2.0.2");
 * }
 * }</pre>
 */
public final class TestNet implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final String ROOT_PREFIX = "vt";

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final AtomicInteger links = new AtomicInteger();

    public TestNet() {
        sweepStale();
        this.prefix = ROOT_PREFIX + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet() + "-";
    }

    /** A namespace with loopback up; returns its full name, for {@code ip netns exec}. */
    public String host(String name) {
        String ns = prefix + name;
        sh("ip", "netns", "add", ns);
        namespaces.add(ns);
        run(ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    /** A namespace that forwards IPv4 and answers with ICMP errors without the kernel's rate limit. */
    public String router(String name) {
        String ns = host(name);
        run(ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        unlimitedIcmp(ns);
        return ns;
    }

    /** Lifts the per-namespace ICMP error rate limit (icmp(7)), so silent hops are real loss, not rate limiting. */
    public void unlimitedIcmp(String ns) {
        run(ns, "sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0");
        run(ns, "sysctl", "-q", "-w", "net.ipv4.icmp_msgs_per_sec=100000");
        // the global bucket's burst (default 50) would still drop a burst of probes
        run(ns, "sysctl", "-q", "-w", "net.ipv4.icmp_msgs_burst=100000");
    }

    /** Puts back Linux's default ICMP error rate limit in {@code ns} (1 per second per destination, burst 6). */
    public void defaultIcmpRateLimit(String ns) {
        run(ns, "sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=1000");
        run(ns, "sysctl", "-q", "-w", "net.ipv4.icmp_msgs_per_sec=1000");
        run(ns, "sysctl", "-q", "-w", "net.ipv4.icmp_msgs_burst=50");
    }

    /**
     * A veth pair between two namespaces, with an address (CIDR form) on each end, both up.
     *
     * @return the interface names, {@code [inA, inB]}
     */
    public String[] link(String nsA, String cidrA, String nsB, String cidrB) {
        int n = links.incrementAndGet();
        String ifA = "v" + n + "a", ifB = "v" + n + "b";
        sh("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        run(nsA, "ip", "addr", "add", cidrA, "dev", ifA);
        run(nsB, "ip", "addr", "add", cidrB, "dev", ifB);
        run(nsA, "ip", "link", "set", ifA, "up");
        run(nsB, "ip", "link", "set", ifB, "up");
        return new String[] {ifA, ifB};
    }

    /** Sets an interface's MTU (both ends of a link should agree; set each end). */
    public void mtu(String ns, String ifName, int mtu) {
        run(ns, "ip", "link", "set", ifName, "mtu", Integer.toString(mtu));
    }

    /** {@code ip route add dest via gateway}; dest may be {@code default}. */
    public void route(String ns, String dest, String via) {
        run(ns, "ip", "route", "add", dest, "via", via);
    }

    /** An equal-cost multipath route: flows are spread over the gateways by a hash of their five-tuple. */
    public void multipathRoute(String ns, String dest, String... gateways) {
        List<String> cmd = new ArrayList<>(List.of("ip", "route", "add", dest));
        for (String gw : gateways) cmd.addAll(List.of("nexthop", "via", gw, "weight", "1"));
        run(ns, cmd.toArray(String[]::new));
        // hash on ports too (policy 1 = L4), so that different source ports take different paths
        run(ns, "sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1");
    }

    /**
     * Drops {@code percent} % of the packets {@code ns} forwards or sends out of {@code ifName}, at random
     * (nftables {@code numgen random}); the kernel here has no netem.
     */
    public void randomLoss(String ns, String ifName, int percent) {
        nft(ns, "add table inet vantage_loss");
        nft(ns, "add chain inet vantage_loss out { type filter hook postrouting priority 0 ; }");
        nft(ns, "add rule inet vantage_loss out oifname \"" + ifName + "\" numgen random mod 100 < "
                + percent + " drop");
    }

    /** Runs an nft command (one string, as nft(8) reads it) inside {@code ns}. */
    public void nft(String ns, String command) {
        run(ns, "nft", command);
    }

    /** Runs a command inside {@code ns} to completion; fails with its output when it exits non-zero. */
    public String run(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        return sh(cmd.toArray(String[]::new));
    }

    /** Starts a long-running command inside {@code ns}; {@link #close()} kills it. Output goes to {@code log}. */
    public Process start(String ns, Path log, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(p);
        return p;
    }

    /** Kills what was started, then deletes every namespace (which removes their veths and nftables rules). */
    @Override
    public void close() {
        for (Process p : processes.reversed()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : namespaces.reversed()) deleteNamespace(ns);
    }

    /** Deletes namespaces left by runs whose JVM is gone (a test killed before its cleanup ran). */
    public static void sweepStale() {
        for (String ns : listNamespaces()) {
            if (!ns.startsWith(ROOT_PREFIX)) continue;
            int dash = ns.indexOf('-');
            if (dash < 0) continue;
            try {
                long pid = Long.parseLong(ns.substring(ROOT_PREFIX.length(), dash));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
            } catch (NumberFormatException e) {
                continue;
            }
            deleteNamespace(ns);
        }
    }

    /** Namespaces of this host, e.g. to assert that a test left none behind. */
    public static List<String> listNamespaces() {
        Path dir = Path.of("/var/run/netns");
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** This instance's namespaces that still exist. */
    public List<String> liveNamespaces() {
        return listNamespaces().stream().filter(ns -> ns.startsWith(prefix)).toList();
    }

    private static void deleteNamespace(String ns) {
        // kill anything still running inside first: a namespace with live processes outlives `ip netns del`
        try {
            String pids = sh("ip", "netns", "pids", ns).trim();
            for (String pid : pids.split("\\s+")) {
                if (!pid.isEmpty()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (RuntimeException ignored) {
            // already gone
        }
        try {
            sh("ip", "netns", "del", ns);
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    private static String sh(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }
}
