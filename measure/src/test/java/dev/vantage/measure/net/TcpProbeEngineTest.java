package dev.vantage.measure.net;

import dev.vantage.measure.RunContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** TCP handshake probes against real sockets on loopback. */
class TcpProbeEngineTest {
    final TcpProbeEngine engine = new TcpProbeEngine();

    @Test
    void aListeningPortAnswersEveryProbe() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            NetMetrics m = engine.run(new TcpProbeEngine.Spec("127.0.0.1", server.getLocalPort(), null),
                    RunContext.withTimeoutMillis(20_000, "t"));
            assertThat(m.errorDetails()).isNull();
            assertThat(m.probesSent()).isEqualTo(TcpProbeEngine.MAX_PROBES);
            assertThat(m.probesAnswered()).isEqualTo(TcpProbeEngine.MAX_PROBES);
            assertThat(m.loss()).isZero();
            assertThat(m.minLatency()).isLessThanOrEqualTo(m.avgLatency());
            assertThat(m.avgLatency()).isLessThanOrEqualTo(m.maxLatency());
            assertThat(m.maxLatency()).isLessThan(100.0);
            assertThat(m.jitter()).isGreaterThanOrEqualTo(0.0);
            assertThat(m.server()).isEqualTo("127.0.0.1:" + server.getLocalPort());
            assertThat(m.serverIp()).isEqualTo("127.0.0.1");
            server.close();
            acceptor.join();
        }
        // the accept loop can lag behind the RST-closed probes; the kernel completed every handshake
        assertThat(accepted.get()).isGreaterThan(0);
    }

    @Test
    void aClosedPortStillAnswersWithReset() throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        NetMetrics m = engine.run(new TcpProbeEngine.Spec("127.0.0.1", port, null), RunContext.withTimeoutMillis(20_000, "t"));
        assertThat(m.loss()).isZero();
        assertThat(m.avgLatency()).isNotNull();
    }

    @Test
    void anUnresolvableNameIsAnErrorWithoutLatency() throws InterruptedException {
        NetMetrics m = engine.run(new TcpProbeEngine.Spec("no-such-host.invalid", 80, null), RunContext.withTimeoutMillis(5_000, "t"));
        assertThat(m.errorDetails()).contains("no-such-host.invalid");
        assertThat(m.loss()).isNull();
        assertThat(m.avgLatency()).isNull();
    }

    @Test
    void theDeadlineBoundsTheRound() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            NetMetrics m = engine.run(new TcpProbeEngine.Spec("127.0.0.1", server.getLocalPort(), null),
                    RunContext.withTimeoutMillis(100, "t"));
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertThat(took).isLessThan(400);
            assertThat(m.probesSent()).isBetween(1, TcpProbeEngine.MAX_PROBES - 1);
        }
    }

    @Test
    void statisticsFollowTheV6Definitions() {
        NetMetrics m = TcpProbeEngine.metrics("h:1", "1.2.3.4", 4, List.of(10.0, 20.0), null);
        assertThat(m.loss()).isEqualTo(50.0);
        assertThat(m.avgLatency()).isEqualTo(15.0);
        assertThat(m.jitter()).isEqualTo(5.0); // population standard deviation of 10 and 20
        NetMetrics none = TcpProbeEngine.metrics("h:1", "1.2.3.4", 3, List.of(), null);
        assertThat(none.loss()).isEqualTo(100.0);
        assertThat(none.avgLatency()).isNull();
    }
}
