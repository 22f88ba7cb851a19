package dev.vantage.measure.voice;

import dev.vantage.measure.RunContext;
import dev.vantage.model.codes.Codec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real random loss injected with nftables on the receivers' ports (an input-hook rule {@code numgen random mod
 * 100 < N drop}, in a table of its own that is deleted afterwards): the measured loss is the injected rate within
 * a binomial bound, and MOS falls as the E-model predicts. Four G.711 streams of 5 s (1000 packets) per level, all
 * levels at once.
 */
class VoiceLossTest {
    static final int[] LEVELS = {0, 1, 3, 5};
    static final int STREAMS_PER_LEVEL = 4;
    /** Two-sided binomial bound at p = 10⁻⁴ (normal approximation): the test fails by chance once in 10 000 runs. */
    static final double Z = 3.89;
    static final String TABLE = "vantage_voice_" + HexFormat.of().toHexDigits(new SecureRandom().nextInt());

    static final List<List<DatagramChannel>> receivers = new ArrayList<>();
    /** A receiver whose stream the sender's own host refuses to send 5 % of (an output-hook drop: EPERM). */
    static DatagramChannel refused;

    @BeforeAll
    static void injectLoss() throws Exception {
        nft("add", "table", "inet", TABLE);
        nft("add", "chain", "inet", TABLE, "in", "{ type filter hook input priority 0; policy accept; }");
        refused = VoiceMeasurements.openReceiver(InetAddress.getLoopbackAddress(), 0);
        nft("add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0; policy accept; }");
        nft("add", "rule", "inet", TABLE, "out", "udp", "dport", String.valueOf(((InetSocketAddress) refused.getLocalAddress()).getPort()),
                "numgen", "random", "mod", "100", "<", "5", "drop");
        for (int level : LEVELS) {
            List<DatagramChannel> channels = new ArrayList<>();
            List<String> ports = new ArrayList<>();
            for (int i = 0; i < STREAMS_PER_LEVEL; i++) {
                DatagramChannel c = VoiceMeasurements.openReceiver(InetAddress.getLoopbackAddress(), 0);
                channels.add(c);
                ports.add(String.valueOf(((InetSocketAddress) c.getLocalAddress()).getPort()));
            }
            receivers.add(channels);
            if (level > 0) {
                nft("add", "rule", "inet", TABLE, "in", "udp", "dport", "{ " + String.join(", ", ports) + " }",
                        "numgen", "random", "mod", "100", "<", String.valueOf(level), "drop");
            }
        }
    }

    @AfterAll
    static void removeLoss() throws Exception {
        for (List<DatagramChannel> level : receivers) for (DatagramChannel c : level) c.close();
        if (refused != null) refused.close();
        nft("delete", "table", "inet", TABLE);
    }

    static void nft(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("nft"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(command + " failed: " + out);
    }

    record Stream(int level, RtpStreamRecord record, StreamStats stats) {}

    @Test
    void measuredLossIsTheInjectedLossAndMosFollowsTheEModel() throws Exception {
        SecureRandom random = new SecureRandom();
        List<Future<Stream>> futures = new ArrayList<>();
        Future<SendReport> refusedSend;
        Future<RtpStreamReceiver.Received> refusedReceive;
        try (ExecutorService pool = Executors.newCachedThreadPool()) {
            byte[] refusedToken = new byte[16];
            random.nextBytes(refusedToken);
            int refusedPort = ((InetSocketAddress) refused.getLocalAddress()).getPort();
            VoiceSpec refusedSpec = new VoiceSpec(Codec.G711_64, 46, 5, 40, "127.0.0.1", refusedPort, null);
            ChannelDatagramReceiver refusedIn = new ChannelDatagramReceiver(refused, Clock.systemUTC());
            refusedReceive = pool.submit(() -> RtpStreamReceiver.receiveStream(refusedIn, refusedSpec, refusedToken, 0,
                    RunContext.withTimeoutMillis(12_000, "rx")));
            refusedSend = pool.submit(() -> VoiceMeasurements.source(refusedSpec, refusedToken, RunContext.withTimeoutMillis(10_000, "tx")));
            for (int l = 0; l < LEVELS.length; l++) {
                for (DatagramChannel rx : receivers.get(l)) {
                    int level = LEVELS[l];
                    byte[] token = new byte[16];
                    random.nextBytes(token);
                    int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
                    VoiceSpec spec = new VoiceSpec(Codec.G711_64, 46, 5, 40, "127.0.0.1", port, null);
                    ChannelDatagramReceiver in = new ChannelDatagramReceiver(rx, Clock.systemUTC());
                    Future<RtpStreamReceiver.Received> received = pool.submit(() ->
                            RtpStreamReceiver.receiveStream(in, spec, token, 0, RunContext.withTimeoutMillis(12_000, "rx")));
                    futures.add(pool.submit(() -> {
                        try (DatagramChannel tx = DatagramChannel.open(StandardProtocolFamily.INET)) {
                            tx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                            SendReport sent = RtpStreamSender.send(tx, new InetSocketAddress("127.0.0.1", port), spec, token,
                                    RunContext.withTimeoutMillis(10_000, "tx"));
                            assertThat(sent.packetsSent()).isEqualTo(250);
                        }
                        RtpStreamReceiver.Received r = received.get();
                        return new Stream(level, r.record(), r.stats());
                    }));
                }
            }
        }
        CodecProfile g711 = CodecProfile.of(Codec.G711_64);
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "%n%-9s %-12s %-20s %-10s %-9s %-28s%n", "injected", "lost/sent", "loss (bound)", "discards", "mean MOS",
                "E-model MOS at injected (band)"));
        for (int l = 0; l < LEVELS.length; l++) {
            int level = LEVELS[l];
            List<Stream> streams = new ArrayList<>();
            for (Future<Stream> f : futures) if (f.get().level() == level) streams.add(f.get());
            int n = 0, lost = 0, discarded = 0;
            double mosSum = 0;
            for (Stream s : streams) {
                n += s.stats().expected();
                lost += s.stats().lost();
                discarded += s.stats().discarded();
                mosSum += s.record().mos();
                // every stream's MOS is the E-model at its own measured loss + discards and mouth-to-ear delay
                double ppl = 100.0 * (s.stats().lost() + s.stats().discarded()) / s.stats().expected();
                double ta = s.stats().latencyMillis() + 40 + g711.packetisationDelayMillis();
                assertThat(s.record().mos()).isEqualTo(Math.round(EModel.mos(g711, ppl, ta) * 100) / 100.0);
            }
            double p = level / 100.0;
            double sd = Math.sqrt(n * p * (1 - p));
            double lo = Math.max(0, n * p - Z * sd), hi = n * p + Z * sd;
            assertThat((double) lost).as("packets lost at %d%% injected", level).isBetween(lo, hi);
            double meanMos = mosSum / streams.size();
            double discardPct = 100.0 * discarded / n;
            // the mean MOS lies in the E-model's band for loss rates inside the bound (host stalls add discards)
            double bandHigh = EModel.mos(g711, 100 * lo / n, 0), bandLow = EModel.mos(g711, 100 * hi / n + discardPct, 0);
            assertThat(meanMos).as("MOS at %d%% injected", level).isBetween(bandLow - 0.01, bandHigh + 0.01);
            table.append(String.format(Locale.ROOT, "%-9s %-12s %-20s %-10s %-9s %-28s%n", level + " %", lost + "/" + n,
                    String.format(Locale.ROOT, "%.2f %% (%.1f–%.1f)", 100.0 * lost / n, 100 * lo / n, 100 * hi / n),
                    String.format(Locale.ROOT, "%.2f %%", discardPct), String.format(Locale.ROOT, "%.2f", meanMos),
                    String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", EModel.mos(g711, level, 0), bandLow, bandHigh)));
        }
        System.out.print(table);
        // packets the sender's host refused (EPERM from the output hook) are lost packets, not the end of the stream
        SendReport sent = refusedSend.get();
        StreamStats got = refusedReceive.get().stats();
        assertThat(sent.packetsPlanned()).isEqualTo(250);
        assertThat(sent.packetsSent()).isLessThan(250);
        assertThat(sent.error()).contains((250 - sent.packetsSent()) + " packets could not be sent");
        assertThat(got.received()).isEqualTo(sent.packetsSent());
        assertThat(got.lost()).isEqualTo(250 - sent.packetsSent());
        // loss hurts: the mean MOS falls level by level
        assertThat(levelMos(futures, 0)).isGreaterThan(levelMos(futures, 3)).isGreaterThan(levelMos(futures, 5));
    }

    static double levelMos(List<Future<Stream>> futures, int level) throws Exception {
        double sum = 0;
        int n = 0;
        for (Future<Stream> f : futures) {
            if (f.get().level() != level) continue;
            sum += f.get().record().mos();
            n++;
        }
        return sum / n;
    }
}
