package dev.vantage.measure.net;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Loss, latency and jitter to {@code host:port} from a series of TCP handshakes, the method an unprivileged process
 * has (spec/methods.md: the reference agent's SYN mode, where a SYN/ACK or a RST is an answer). Each probe is a
 * fresh connect; the handshake time is the round trip. Up to 50 probes, paced at 1.5 × the running average RTT
 * (kept between 5 ms and 200 ms so a round ends well inside the 8 s budget), and never past the deadline.
 */
public final class TcpProbeEngine implements Engine<TcpProbeEngine.Spec, NetMetrics> {
    public static final int MAX_PROBES = 50;
    public static final long ROUND_BUDGET_MILLIS = 8_000;
    static final long MIN_GAP_MILLIS = 5;
    static final long MAX_GAP_MILLIS = 200;
    /** A probe not answered within this long (or the time left) is lost. */
    static final int PROBE_TIMEOUT_MILLIS = 2_000;

    /**
     * @param sourceIp local address to probe from, or null
     * @param tos      IP TOS byte of the probes ({@code dscp << 2}), 0 for best effort
     */
    public record Spec(String host, int port, String sourceIp, int tos) {
        public Spec(String host, int port, String sourceIp) {
            this(host, port, sourceIp, 0);
        }
    }

    @Override
    public NetMetrics run(Spec spec, RunContext ctx) throws InterruptedException {
        String server = serverLabel(spec.host(), spec.port());
        InetAddress address;
        try {
            address = InetAddress.getByName(spec.host());
        } catch (UnknownHostException e) {
            return failed(server, null, "could not resolve " + spec.host() + ": name not found");
        }
        long start = System.nanoTime();
        long budgetEnd = Math.min(ctx.deadlineNanos(), start + ROUND_BUDGET_MILLIS * 1_000_000L);
        List<Double> rtts = new ArrayList<>();
        int sent = 0;
        String hardError = null;
        while (sent < MAX_PROBES && System.nanoTime() < budgetEnd) {
            long left = (budgetEnd - System.nanoTime()) / 1_000_000L;
            if (left < 1) break;
            sent++;
            Probe probe = probe(address, spec.port(), spec.sourceIp(), spec.tos(), (int) Math.min(PROBE_TIMEOUT_MILLIS, left));
            if (probe.rttMillis() != null) rtts.add(probe.rttMillis());
            if (probe.localError() != null) {
                // the agent itself could not send (bad source address, no route): not a network loss
                hardError = probe.localError();
                sent--;
                break;
            }
            double avg = rtts.isEmpty() ? MAX_GAP_MILLIS : rtts.stream().mapToDouble(d -> d).average().orElse(0);
            long gap = Math.clamp(Math.round(1.5 * avg), MIN_GAP_MILLIS, MAX_GAP_MILLIS);
            long sleep = Math.min(gap, Math.max(0, (budgetEnd - System.nanoTime()) / 1_000_000L));
            if (sent < MAX_PROBES && sleep > 0) Thread.sleep(sleep); // pacing interval between probes
        }
        if (sent == 0) {
            return failed(server, address.getHostAddress(), hardError != null ? hardError : "no time left to probe");
        }
        return metrics(server, address.getHostAddress(), sent, rtts, hardError);
    }

    static NetMetrics metrics(String server, String ip, int sent, List<Double> rtts, String error) {
        double loss = round2(100.0 * (sent - rtts.size()) / sent);
        if (rtts.isEmpty()) {
            return new NetMetrics(server, ip, loss, null, null, null, null, sent, 0, "TCP connect",
                    error != null ? error : "no probe was answered");
        }
        double min = rtts.stream().mapToDouble(d -> d).min().orElseThrow();
        double max = rtts.stream().mapToDouble(d -> d).max().orElseThrow();
        double avg = rtts.stream().mapToDouble(d -> d).average().orElseThrow();
        double variance = rtts.stream().mapToDouble(d -> (d - avg) * (d - avg)).sum() / rtts.size();
        return new NetMetrics(server, ip, loss, round3(min), round3(avg), round3(max), round3(Math.sqrt(variance)),
                sent, rtts.size(), "TCP connect", error);
    }

    private record Probe(Double rttMillis, String localError) {}

    private static Probe probe(InetAddress address, int port, String sourceIp, int tos, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            if (tos > 0) socket.setTrafficClass(tos);
            socket.setSoLinger(true, 0); // close with RST: no TIME_WAIT pile-up from 50 probes a round
            if (sourceIp != null) socket.bind(new InetSocketAddress(InetAddress.getByName(sourceIp), 0));
            long t0 = System.nanoTime();
            try {
                socket.connect(new InetSocketAddress(address, port), timeoutMillis);
                return new Probe((System.nanoTime() - t0) / 1e6, null);
            } catch (ConnectException e) {
                // RST: the target answered (the port is closed, but the path works)
                long rtt = System.nanoTime() - t0;
                return e.getMessage() != null && e.getMessage().contains("refused")
                        ? new Probe(rtt / 1e6, null) : new Probe(null, null);
            } catch (SocketTimeoutException e) {
                return new Probe(null, null);
            } catch (NoRouteToHostException e) {
                return new Probe(null, null);
            }
        } catch (IOException e) {
            return new Probe(null, "cannot probe from this agent: " + e.getMessage());
        }
    }

    private static NetMetrics failed(String server, String ip, String why) {
        return new NetMetrics(server, ip, null, null, null, null, null, null, null, "TCP connect", why);
    }

    static String serverLabel(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
