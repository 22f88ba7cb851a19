package dev.vantage.measure.net;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.sys.ErrnoException;
import dev.vantage.measure.net.sys.NativeSocket;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The network layer of a round (agent-to-server, and every type with networkMeasurements=1): end-to-end loss,
 * latency and jitter, Paris-style path traces and path MTU to one target. With CAP_NET_RAW (root) probes are TCP SYNs
 * or ICMP echoes from raw sockets; without it, end-to-end TCP probes are connects and traces are UDP with IP_RECVERR
 * (tracepath's method). Every record says which method it used. The end-to-end series, the traces and the path MTU
 * run side by side on three platform threads (a native poll would pin a virtual thread's carrier).
 */
public final class NetworkEngine implements Engine<NetworkEngine.Spec, NetworkEngine.Result> {
    /** How long the traces of one round may take, on top of nothing: they run beside the 8 s end-to-end series. */
    static final long TRACE_BUDGET_MILLIS = 20_000;
    static final long MTU_BUDGET_MILLIS = 8_000;
    static final long RDNS_BUDGET_MILLIS = 1_000;

    /**
     * @param protocol      {@code TCP} or {@code ICMP}
     * @param probeMode     {@code AUTO}, {@code SACK} or {@code SYN}
     * @param pathTraceMode {@code classic} or {@code inSession}
     * @param tos           IP TOS byte ({@code dscp << 2}); 0 for best effort
     * @param payloadSize   ICMP echo payload bytes; -1 for the default (56, as ping)
     * @param ipv6Policy    {@code FORCE_IPV4}, {@code FORCE_IPV6}, {@code PREFER_IPV6} or {@code USE_AGENT_POLICY}
     * @param probesPerTtl  3 in v6; more only to measure per-hop loss finely
     */
    public record Spec(String host, int port, String protocol, String probeMode, int numPathTraces,
                       String pathTraceMode, boolean mtu, int tos, int payloadSize, String ipv6Policy,
                       String sourceIp, int probesPerTtl) {
        public static Spec defaults(String host, int port) {
            return new Spec(host, port, "TCP", "AUTO", 3, "classic", true, 0, -1, "USE_AGENT_POLICY", null,
                    PathTracer.PROBES_PER_TTL);
        }

        public Spec withProtocol(String p) {
            return new Spec(host, port, p, probeMode, numPathTraces, pathTraceMode, mtu, tos, payloadSize, ipv6Policy,
                    sourceIp, probesPerTtl);
        }

        public Spec withTraces(int traces, int perTtl) {
            return new Spec(host, port, protocol, probeMode, traces, pathTraceMode, mtu, tos, payloadSize, ipv6Policy,
                    sourceIp, perTtl);
        }

        public Spec withPathTraceMode(String mode) {
            return new Spec(host, port, protocol, probeMode, numPathTraces, mode, mtu, tos, payloadSize, ipv6Policy,
                    sourceIp, probesPerTtl);
        }

        public Spec withDscp(int dscp) {
            return new Spec(host, port, protocol, probeMode, numPathTraces, pathTraceMode, mtu, dscp << 2, payloadSize,
                    ipv6Policy, sourceIp, probesPerTtl);
        }

        public Spec withMtu(boolean m) {
            return new Spec(host, port, protocol, probeMode, numPathTraces, pathTraceMode, m, tos, payloadSize,
                    ipv6Policy, sourceIp, probesPerTtl);
        }

        boolean icmp() {
            return protocol.equalsIgnoreCase("ICMP");
        }

        String serverLabel() {
            return icmp() ? host : TcpProbeEngine.serverLabel(host, port);
        }
    }

    /** The round's net metrics and path-vis records. */
    public record Result(NetMetrics metrics, PathVis pathVis) {}

    @Override
    public Result run(Spec spec, RunContext ctx) throws InterruptedException {
        String server = spec.serverLabel();
        InetAddress target;
        try {
            target = resolve(spec.host(), spec.ipv6Policy());
        } catch (UnknownHostException e) {
            String why = "could not resolve " + spec.host() + ": " + (e.getMessage() == null ? "name not found" : e.getMessage());
            return new Result(new NetMetrics(server, null, null, null, null, null, null, null, null, null, why),
                    new PathVis(server, null, null, null, null, null, null, why));
        }
        InetAddress source;
        try {
            source = spec.sourceIp() != null ? InetAddress.getByName(spec.sourceIp()) : sourceFor(target);
        } catch (IOException e) {
            String why = "cannot probe " + target.getHostAddress() + " from this agent: " + e.getMessage();
            return new Result(new NetMetrics(server, target.getHostAddress(), null, null, null, null, null, null, null, null, why),
                    new PathVis(server, target.getHostAddress(), null, null, null, null, null, why));
        }
        boolean raw = rawSocketsAllowed();
        AtomicReference<PathVis> trace = new AtomicReference<>();
        AtomicReference<PathMtu.Result> mtu = new AtomicReference<>();
        AtomicReference<String> bug = new AtomicReference<>();
        Thread tracer = guarded("path-trace " + server, bug, () -> trace.set(trace(spec, server, target, source, raw, ctx)));
        Thread mtuProber = guarded("path-mtu " + server, bug, () -> {
            if (spec.mtu()) {
                mtu.set(PathMtu.discover(target, spec.sourceIp() != null ? source : null,
                        Math.min(ctx.deadlineNanos(), System.nanoTime() + MTU_BUDGET_MILLIS * 1_000_000L)));
            }
        });
        AtomicReference<NetMetrics> metrics = new AtomicReference<>();
        Thread prober = guarded("probes " + server, bug, () -> metrics.set(endToEnd(spec, server, target, source, raw, ctx)));
        // joined without interruption: each thread's waits are bounded by its budget and the deadline, and a
        // round must not return while its sockets are still open
        joinUninterruptibly(prober);
        joinUninterruptibly(tracer);
        joinUninterruptibly(mtuProber);
        String ip = target.getHostAddress();
        NetMetrics m = metrics.get() != null ? metrics.get()
                : new NetMetrics(server, ip, null, null, null, null, null, null, null, null, "probes failed: " + bug.get());
        if (mtu.get() != null) m = m.withPathMtu(mtu.get());
        PathVis p = trace.get() != null ? trace.get()
                : new PathVis(server, ip, source.getHostAddress(), null, null, null, null, "path trace failed: " + bug.get());
        return new Result(m, p);
    }

    /** A platform thread whose unexpected exception becomes the round's error text instead of a lost record. */
    private static Thread guarded(String name, AtomicReference<String> bug, Runnable work) {
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                bug.compareAndSet(null, e.toString());
            }
        });
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    // ---- end to end ------------------------------------------------------------------------------------------

    private static NetMetrics endToEnd(Spec spec, String server, InetAddress target, InetAddress source, boolean raw,
                                       RunContext ctx) {
        String ip = target.getHostAddress();
        boolean v4 = target instanceof Inet4Address;
        List<String> notes = new ArrayList<>();
        if (spec.icmp() && !v4) {
            return new NetMetrics(server, ip, null, null, null, null, null, null, null, null,
                    "this agent has no ICMPv6 prober: use protocol TCP for IPv6 targets");
        }
        if (!spec.icmp() && !(raw && v4)) {
            try {
                NetMetrics m = new TcpProbeEngine().run(new TcpProbeEngine.Spec(ip, spec.port(), spec.sourceIp(), spec.tos()), ctx);
                return new NetMetrics(server, ip, m.loss(), m.minLatency(), m.avgLatency(), m.maxLatency(), m.jitter(),
                        m.probesSent(), m.probesAnswered(),
                        m.probeMethod() + (!raw ? " (no CAP_NET_RAW)" : !v4 ? " (IPv6: raw probes are IPv4 only)" : ""),
                        join(m.errorDetails(), notes));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new NetMetrics(server, ip, null, null, null, null, null, null, null, null, "interrupted");
            }
        }
        // TCP: SACK mode first (AUTO and SACK), SYN mode when the target offers no SACK session (methods.md)
        Prober sack = null;
        String modeNote = "";
        if (!spec.icmp() && !spec.probeMode().equals("SYN")) {
            try {
                sack = new SackProber((Inet4Address) target, spec.port(), (Inet4Address) source, spec.tos(),
                        Math.min(ctx.deadlineNanos(), System.nanoTime() + 3_000_000_000L));
            } catch (IOException e) {
                modeNote = " (SACK mode unavailable: " + e.getMessage() + ")";
            }
        }
        try (Prober p = sack != null ? sack
                : spec.icmp() ? icmpProber(target, spec.sourceIp() != null ? source : null, 1, spec, raw)
                : new TcpSynProber((Inet4Address) target, spec.port(), (Inet4Address) source, EndToEndProbes.MAX_PROBES, spec.tos())) {
            EndToEndProbes.Series s = EndToEndProbes.run(p, !spec.icmp(), ctx.deadlineNanos());
            if (s.sent() == 0) {
                return new NetMetrics(server, ip, null, null, null, null, null, null, null, p.method(), "no time left to probe");
            }
            NetMetrics m = TcpProbeEngine.metrics(server, ip, s.sent(), s.rtts(), join(null, notes));
            return new NetMetrics(m.server(), m.serverIp(), m.loss(), m.minLatency(), m.avgLatency(), m.maxLatency(),
                    m.jitter(), m.probesSent(), m.probesAnswered(), p.method() + modeNote, m.errorDetails());
        } catch (IOException e) {
            boolean denied = e instanceof ErrnoException ee && ee.isPermissionDenied();
            return new NetMetrics(server, ip, null, null, null, null, null, null, null, null, denied && spec.icmp()
                    ? "ICMP probes need CAP_NET_RAW or a group in net.ipv4.ping_group_range (" + e.getMessage() + ")"
                    : "cannot probe from this agent: " + e.getMessage());
        }
    }

    /** Raw ICMP with privilege, else a ping socket (which fails with EACCES outside net.ipv4.ping_group_range). */
    private static Prober icmpProber(InetAddress target, InetAddress bindTo, int flows, Spec spec, boolean raw)
            throws IOException {
        return raw ? new IcmpProber(target, bindTo, flows, payload(spec), spec.tos())
                : new PingProber(target, bindTo, flows, payload(spec), spec.tos());
    }

    private static int payload(Spec spec) {
        return spec.payloadSize() < 0 ? 56 : spec.payloadSize();
    }

    // ---- path trace ------------------------------------------------------------------------------------------

    private static PathVis trace(Spec spec, String server, InetAddress target, InetAddress source, boolean raw, RunContext ctx) {
        String ip = target.getHostAddress();
        String sourceIp = source.getHostAddress();
        String sourcePrefix = prefixOf(source);
        boolean v4 = target instanceof Inet4Address;
        int traces = Math.clamp(spec.numPathTraces(), 1, 10);
        InetAddress bindTo = spec.sourceIp() != null ? source : null;
        long until = Math.min(ctx.deadlineNanos(), System.nanoTime() + TRACE_BUDGET_MILLIS * 1_000_000L);
        String mode = "classic";
        Prober inSession = null;
        if (spec.pathTraceMode().equals("inSession")) {
            if (spec.icmp() || !raw || !v4) {
                mode = "classic (inSession needs protocol TCP, IPv4 and CAP_NET_RAW)";
            } else {
                try {
                    inSession = new InSessionProber((Inet4Address) target, spec.port(), (Inet4Address) source, traces,
                            spec.tos(), Math.min(until, System.nanoTime() + 5_000_000_000L));
                    mode = "in-session";
                } catch (IOException e) {
                    mode = "classic (inSession: no TCP session to " + server + ": " + e.getMessage() + ")";
                }
            }
        }
        boolean inSessionMode = inSession != null;
        // IPv6 traces use UDP whatever the privilege: the raw-socket probers are IPv4 only
        try (Prober p = inSession != null ? inSession
                : v4 && spec.icmp() && (raw || pingSocketsAllowed()) ? icmpProber(target, bindTo, traces, spec, raw)
                : v4 && raw && !spec.icmp() ? new TcpSynProber((Inet4Address) target, spec.port(), (Inet4Address) source, traces, spec.tos())
                : new UdpProber(target, bindTo, traces, spec.tos())) {
            PathTracer.Settings settings = new PathTracer.Settings(traces, Math.max(1, spec.probesPerTtl()),
                    PathTracer.MAX_HOPS, PathTracer.SILENT_HOP_LIMIT);
            List<PathTracer.Trace> result = PathTracer.run(p, settings, until);
            List<InetAddress> hopAddresses = result.stream().flatMap(t -> t.slots().stream())
                    .map(PathTracer.Slot::responder).filter(a -> a != null).toList();
            Map<InetAddress, String> rdns = PathTracer.reverseDns(hopAddresses,
                    Math.min(ctx.deadlineNanos(), System.nanoTime() + RDNS_BUDGET_MILLIS * 1_000_000L));
            List<PathVis.Route> routes = new ArrayList<>();
            List<PathVis.Endpoint> endpoints = new ArrayList<>();
            long pathIdBase = ThreadLocalRandom.current().nextLong(1_000_000_000_000_000L, 9_000_000_000_000_000_000L);
            java.util.Set<Integer> limited = PathTracer.rateLimitedTtls(result);
            for (PathTracer.Trace t : result) {
                String pathId = Long.toString(pathIdBase + t.flow());
                List<PathVis.Hop> hops = new ArrayList<>();
                for (int i = 0; i < t.slots().size(); i++) {
                    PathTracer.Slot s = t.slots().get(i);
                    if (s.answers().isEmpty()) continue;
                    InetAddress who = s.responder();
                    double[] r = s.rttsMillis().stream().mapToDouble(d -> d).toArray();
                    double avg = Arrays.stream(r).average().orElseThrow();
                    double sd = Math.sqrt(Arrays.stream(r).map(d -> (d - avg) * (d - avg)).sum() / r.length);
                    String mpls = s.answers().stream().map(Prober.Reply::mpls).filter(x -> x != null).findFirst().orElse(null);
                    // in-session: the target's duplicate ACKs are rate-limited by its kernel, not a loss figure
                    boolean noLoss = inSessionMode && s.answers().stream().anyMatch(a -> a.kind() == Prober.Kind.DESTINATION);
                    hops.add(new PathVis.Hop(s.ttl(), who.getHostAddress(), null, rdns.get(who), (int) Math.round(avg), mpls,
                            s.sent(), noLoss ? null : round2(s.loss()), round3(Arrays.stream(r).min().orElseThrow()), round3(avg),
                            round3(Arrays.stream(r).max().orElseThrow()), round3(sd), limited.contains(s.ttl()) ? Boolean.TRUE : null));
                }
                routes.add(new PathVis.Route(pathId, hops, t.reachedDestination()));
                if (!hops.isEmpty()) {
                    PathVis.Hop last = hops.getLast();
                    endpoints.add(new PathVis.Endpoint(pathId, last.ipAddress(), last.hop(), last.responseTime()));
                } else {
                    endpoints.add(new PathVis.Endpoint(pathId, null, null, null));
                }
            }
            boolean anyReached = result.stream().anyMatch(PathTracer.Trace::reachedDestination);
            String error = anyReached ? null : "no trace reached " + ip;
            return new PathVis(server, ip, sourceIp, sourcePrefix, endpoints, routes, p.method() + ", " + mode, error);
        } catch (IOException e) {
            return new PathVis(server, ip, sourceIp, sourcePrefix, null, null, null, "path trace failed: " + e.getMessage());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Whether this process may open ICMP ping sockets (net.ipv4.ping_group_range), tried rather than guessed. */
    static boolean pingSocketsAllowed() {
        try (NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_ICMP)) {
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** Whether this process may open raw sockets (root or CAP_NET_RAW), tried rather than guessed. */
    public static boolean rawSocketsAllowed() {
        try (NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_ICMP)) {
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    static InetAddress resolve(String host, String policy) throws UnknownHostException {
        InetAddress[] all = InetAddress.getAllByName(host);
        String p = policy == null ? "USE_AGENT_POLICY" : policy.toUpperCase(Locale.ROOT);
        if (p.equals("FORCE_IPV4") || p.equals("FORCE_IPV6")) {
            Class<?> want = p.equals("FORCE_IPV4") ? Inet4Address.class : Inet6Address.class;
            return Arrays.stream(all).filter(want::isInstance).findFirst().orElseThrow(
                    () -> new UnknownHostException(host + " has no " + (p.equals("FORCE_IPV4") ? "IPv4" : "IPv6") + " address"));
        }
        if (p.equals("PREFER_IPV6")) {
            return Arrays.stream(all).filter(Inet6Address.class::isInstance).findFirst().orElse(all[0]);
        }
        return all[0];
    }

    /** The local address the kernel would send from (a connected UDP socket sends nothing). */
    static InetAddress sourceFor(InetAddress target) throws SocketException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(target, UdpProber.TRACE_PORT);
            InetAddress local = s.getLocalAddress();
            if (local.isAnyLocalAddress()) throw new SocketException("no route to " + target.getHostAddress());
            return local;
        }
    }

    /** The prefix of the local interface address {@code a} (CIDR), or null when it is not local. */
    static String prefixOf(InetAddress a) {
        try {
            NetworkInterface nif = NetworkInterface.getByInetAddress(a);
            if (nif == null) return null;
            for (InterfaceAddress ia : nif.getInterfaceAddresses()) {
                if (!ia.getAddress().equals(a)) continue;
                byte[] b = a.getAddress();
                int bits = ia.getNetworkPrefixLength();
                for (int i = 0; i < b.length; i++) {
                    int keep = Math.clamp(bits - i * 8, 0, 8);
                    b[i] &= (byte) (0xff << (8 - keep));
                }
                return InetAddress.getByAddress(b).getHostAddress() + "/" + bits;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static String join(String error, List<String> notes) {
        List<String> all = new ArrayList<>();
        if (error != null) all.add(error);
        all.addAll(notes);
        return all.isEmpty() ? null : String.join("; ", all);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
