package dev.vantage.measure.voice;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.model.codes.Codec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real RTP streams over loopback UDP: every codec clean, late packets, foreign packets, the standalone pair. */
class VoiceLoopbackTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final SecureRandom RANDOM = new SecureRandom();

    static byte[] token() {
        byte[] t = new byte[16];
        RANDOM.nextBytes(t);
        return t;
    }

    /** Records every datagram the receiver hands out, to check the wire format afterwards. */
    static final class Recording implements DatagramReceiver {
        final ChannelDatagramReceiver in;
        final List<Datagram> seen = Collections.synchronizedList(new ArrayList<>());

        Recording(ChannelDatagramReceiver in) {
            this.in = in;
        }

        @Override
        public Datagram receive(long timeoutNanos) throws IOException, InterruptedException {
            Datagram d = in.receive(timeoutNanos);
            if (d != null) seen.add(d);
            return d;
        }

        @Override
        public String tosUnavailableReason() {
            return in.tosUnavailableReason();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    record Run(RtpStreamReceiver.Received received, SendReport sent, Recording wire, byte[] token, VoiceSpec spec) {}

    /** Starts a receiver on a free loopback port, sends one stream to it, returns both sides. */
    static Callable<Run> stream(VoiceSpec base, byte[] token, java.util.function.IntToLongFunction delay) {
        return () -> {
            DatagramChannel rx = VoiceMeasurements.openReceiver(LOOPBACK, 0);
            int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
            VoiceSpec spec = base.withTarget("127.0.0.1", port);
            try (Recording in = new Recording(new ChannelDatagramReceiver(rx, Clock.systemUTC()));
                 ExecutorService side = Executors.newCachedThreadPool()) {
                Future<RtpStreamReceiver.Received> received = side.submit(() ->
                        RtpStreamReceiver.receiveStream(in, spec, token, 0, RunContext.withTimeoutMillis(12_000, "rx")));
                SendReport sent;
                try (DatagramChannel tx = DatagramChannel.open(StandardProtocolFamily.INET)) {
                    tx.bind(new InetSocketAddress(LOOPBACK, 0));
                    sent = RtpStreamSender.send(tx, new InetSocketAddress(LOOPBACK, port), spec, token,
                            RunContext.withTimeoutMillis(10_000, "tx"), delay);
                }
                return new Run(received.get(), sent, in, token, spec);
            }
        };
    }

    @Test
    void aCleanStreamOfEveryCodecHasNoLossNoDiscardsAndTheCodecsMaxMos() throws Exception {
        Map<Codec, Future<Run>> runs = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newCachedThreadPool()) {
            for (Codec codec : Codec.values()) {
                CodecProfile p = CodecProfile.of(codec);
                // a buffer that keeps Ta = buffer + packetisation under 100 ms, where the E-model adds no delay impairment
                int buffer = (int) Math.floor(100 - p.packetisationDelayMillis()) - 10;
                byte[] token = token();
                if (codec == Codec.G711_64) { token[0] = (byte) 0xff; token[1] = (byte) 0x80; } // sequence wraps mid-stream
                runs.put(codec, pool.submit(stream(new VoiceSpec(codec, 46, 5, buffer, null, 1, null), token, i -> 0)));
            }
        }
        for (Codec codec : Codec.values()) {
            Run run = runs.get(codec).get();
            CodecProfile p = CodecProfile.of(codec);
            RtpStreamRecord r = run.received().record();
            int n = p.packetCount(5);
            assertThat(run.sent().packetsSent()).as(codec.label()).isEqualTo(n);
            assertThat(run.sent().error()).as(codec.label()).isNull();
            assertThat(r.packetsExpected()).as(codec.label()).isEqualTo(n);
            assertThat(r.packetsReceived()).as(codec.label()).isEqualTo(n);
            assertThat(r.loss()).as(codec.label()).isZero();
            // on a quiet host nothing is late; a host stall longer than the buffer (this machine is shared) makes real
            // discards, which must be exactly the packets the raw arrivals show late, and cost what the E-model says
            int late = lateArrivals(run.wire().seen, run.token(), run.spec());
            assertThat(r.packetsDiscarded()).as(codec.label()).isEqualTo(late);
            assertThat(r.mos()).as(codec.label()).isEqualTo(round2(EModel.mos(p, 100.0 * late / n,
                    run.received().stats().latencyMillis() + run.spec().jitterBufferMillis() + p.packetisationDelayMillis())));
            if (late == 0) assertThat(r.mos()).as(codec.label()).isEqualTo(r.codecMaxMos()).isEqualTo(round2(EModel.maxMos(p)));
            assertThat(r.codecName()).isEqualTo(codec.label());
            assertThat(r.serverIp()).isEqualTo("127.0.0.1");
            assertThat(r.latency()).as(codec.label()).isBetween(0, 5);
            assertThat(r.pdv()).as(codec.label()).isGreaterThanOrEqualTo(0.0);
            // the JDK receiver cannot see the TOS byte: no DSCP, and the record says why
            assertThat(r.dscp()).isNull();
            assertThat(r.errorDetail()).contains("IP_RECVTOS");
            assertWireFormat(codec, run, n);
        }
    }

    /** RFC 3550 header fields, the codec's payload size, timestamp step and packet rate, as they crossed the wire. */
    static void assertWireFormat(Codec codec, Run run, int n) {
        CodecProfile p = CodecProfile.of(codec);
        List<DatagramReceiver.Datagram> wire = run.wire().seen;
        assertThat(wire).hasSize(n);
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            byte[] d = wire.get(i).data();
            ByteBuffer b = ByteBuffer.wrap(d);
            int b0 = b.get() & 0xff, b1 = b.get() & 0xff;
            assertThat(b0).as("V=2, X=1, CC=0").isEqualTo(0x90);
            assertThat(b1 & 0x7f).as(codec + " payload type").isEqualTo(p.payloadType());
            assertThat((b1 & 0x80) != 0).as("marker on the first packet only").isEqualTo(i == 0);
            assertThat(d.length).as(codec + " packet " + i).isEqualTo(RtpPacket.HEADER_BYTES + p.payloadBytes(i));
            bytes += d.length - RtpPacket.HEADER_BYTES;
            if (i > 0) {
                ByteBuffer prev = ByteBuffer.wrap(wire.get(i - 1).data());
                assertThat((b.getShort(2) - prev.getShort(2)) & 0xffff).isEqualTo(1);
                assertThat((b.getInt(4) - prev.getInt(4)) & 0xffffffffL).isEqualTo(p.timestampStep());
                assertThat(b.getInt(8)).isEqualTo(prev.getInt(8)); // one SSRC
            }
        }
        // the codec's real bit rate: payload bytes over the stream's media time
        assertThat(bytes * 8.0 / (n * p.packetMillis() / 1000.0)).as(codec + " bit rate").isCloseTo(p.bitRate(), org.assertj.core.api.Assertions.within(p.bitRate() * 0.001));
        // and its real packet rate without drift: the send times span (n − 1) intervals, give or take the sender's
        // worst scheduling stall
        double spanMillis = (sendTime(wire.get(n - 1)) - sendTime(wire.get(0))) / 1e6;
        assertThat(spanMillis).as(codec + " pacing").isCloseTo((n - 1) * p.packetMillis(),
                org.assertj.core.api.Assertions.within(run.sent().maxLateMillis() + 1));
    }

    static long sendTime(DatagramReceiver.Datagram d) {
        return ByteBuffer.wrap(d.data()).getLong(12 + 4 + 16);
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /**
     * Packets that reached the socket after their play-out time, counted from the raw arrivals: first arrival + B +
     * media time since the first-arrived packet (methods.md §9.4).
     */
    static int lateArrivals(List<DatagramReceiver.Datagram> wire, byte[] token, VoiceSpec spec) {
        long interval = spec.profile().packetMillis() * 1_000_000L;
        long buffer = spec.jitterBufferMillis() * 1_000_000L;
        Map<Integer, Long> arrivals = new java.util.HashMap<>();
        int firstIndex = -1;
        long firstArrival = 0;
        for (DatagramReceiver.Datagram d : wire) {
            RtpPacket.Parsed p = RtpPacket.read(d.data(), d.data().length, token);
            if (p == null) continue;
            int index = (p.sequence() - RtpPacket.firstSequence(token)) & 0xffff;
            if (arrivals.putIfAbsent(index, d.arrivalNanos()) != null) continue;
            if (firstIndex < 0) {
                firstIndex = index;
                firstArrival = d.arrivalNanos();
            }
        }
        int late = 0;
        for (var e : arrivals.entrySet()) {
            if (e.getValue() > firstArrival + buffer + (e.getKey() - firstIndex) * interval) late++;
        }
        return late;
    }

    @Test
    void aPacketLaterThanTheBufferIsADiscardAndForeignPacketsAreIgnoredWithoutReply() throws Exception {
        byte[] token = token();
        VoiceSpec spec = new VoiceSpec(Codec.G711_64, 46, 5, 40, null, 1, null);
        DatagramChannel rx = VoiceMeasurements.openReceiver(LOOPBACK, 0);
        int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
        VoiceSpec target = spec.withTarget("127.0.0.1", port);
        try (Recording in = new Recording(new ChannelDatagramReceiver(rx, Clock.systemUTC()));
             DatagramChannel tx = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel intruder = DatagramChannel.open(StandardProtocolFamily.INET);
             ExecutorService side = Executors.newCachedThreadPool()) {
            tx.bind(new InetSocketAddress(LOOPBACK, 0));
            intruder.bind(new InetSocketAddress(LOOPBACK, 0));
            Future<RtpStreamReceiver.Received> received = side.submit(() ->
                    RtpStreamReceiver.receiveStream(in, target, token, 0, RunContext.withTimeoutMillis(12_000, "rx")));
            // an intruder replays the stream's shape with a wrong token, and sends junk, to the same port
            Future<Integer> foreign = side.submit(() -> {
                byte[] wrong = token.clone();
                wrong[5] ^= 0x40;
                ByteBuffer b = ByteBuffer.allocate(400);
                int count = 0;
                for (int i = 0; i < 50; i++) {
                    RtpPacket.write(b, 0, false, (RtpPacket.firstSequence(token) + i) & 0xffff, 0, 77, wrong, 0, 160);
                    intruder.send(b, new InetSocketAddress(LOOPBACK, port));
                    intruder.send(ByteBuffer.wrap(new byte[]{1, 2, 3}), new InetSocketAddress(LOOPBACK, port));
                    count += 2;
                    Thread.sleep(20);
                }
                return count;
            });
            // packet 100 leaves 300 ms after its time, far past the 40 ms buffer (whatever the host's stalls)
            SendReport sent = RtpStreamSender.send(tx, new InetSocketAddress(LOOPBACK, port), target, token,
                    RunContext.withTimeoutMillis(10_000, "tx"), i -> i == 100 ? 300_000_000L : 0);
            RtpStreamReceiver.Received r = received.get();
            assertThat(sent.packetsSent()).isEqualTo(250);
            RtpStreamRecord record = r.record();
            assertThat(record.packetsReceived()).isEqualTo(250);
            assertThat(record.loss()).isZero();
            // the held packet is a discard (on a quiet host the only one), and every discard is a packet the raw
            // arrivals show past its play-out time
            int late = lateArrivals(in.seen, token, target);
            assertThat(record.packetsDiscarded()).isEqualTo(late).isGreaterThanOrEqualTo(1);
            assertThat(record.discards()).isEqualTo(round2(100.0 * late / 250));
            // a discard counts as a loss in the E-model
            assertThat(record.mos()).isEqualTo(round2(EModel.mos(target.profile(), 100.0 * late / 250,
                    r.stats().latencyMillis() + 40 + 20))).isLessThan(record.codecMaxMos());
            assertThat(record.pdv()).isGreaterThanOrEqualTo(290.0);
            assertThat(r.ignoredDatagrams()).isEqualTo(foreign.get());
            // nothing ever went back to the intruder
            intruder.configureBlocking(false);
            assertThat(intruder.receive(ByteBuffer.allocate(100))).isNull();
        }
    }

    @Test
    void theStandaloneSenderGetsTheReceiversRecordInOneSmallSummary() throws Exception {
        byte[] token = token();
        NativeDatagramReceiver rx = NativeDatagramReceiver.open(LOOPBACK, 0, Clock.systemUTC());
        int port = rx.localAddress().getPort();
        // G.729a: the smallest packets of all codecs (60 bytes) still carry the 44-byte summary
        VoiceSpec spec = new VoiceSpec(Codec.G729A_8, 46, 5, 40, "127.0.0.1", port, null);
        try (NativeDatagramReceiver in = rx;
             ExecutorService side = Executors.newCachedThreadPool()) {
            Future<VoiceMeasurements.StandaloneResult> receiver = side.submit(() ->
                    VoiceMeasurements.receiveAndReply(in, spec, token, RunContext.withTimeoutMillis(12_000, "rx")));
            RtpStreamRecord atSender = new VoiceStreamEngine(token).run(spec, RunContext.withTimeoutMillis(12_000, "tx"));
            VoiceMeasurements.StandaloneResult atReceiver = receiver.get();
            assertThat(atReceiver.replied()).isTrue();
            assertThat(atReceiver.received().smallestPacketBytes()).isEqualTo(60).isGreaterThanOrEqualTo(StreamSummary.BYTES);
            RtpStreamRecord r = atReceiver.received().record();
            assertThat(atSender.mos()).isEqualTo(r.mos());
            if (r.packetsDiscarded() == 0) assertThat(r.mos()).isEqualTo(4.10); // G.729a's max (a host stall may discard)
            assertThat(atSender.codecMaxMos()).isEqualTo(4.10);
            assertThat(atSender.loss()).isEqualTo(r.loss()).isZero();
            assertThat(atSender.discards()).isEqualTo(r.discards());
            assertThat(atSender.latency()).isEqualTo(r.latency());
            assertThat(atSender.packetsReceived()).isEqualTo(250);
            assertThat(atSender.serverIp()).isEqualTo("127.0.0.1");
            // the standalone receiver reads each packet's TOS byte: EF, as sent, and the summary carries it back
            assertThat(r.dscp()).isEqualTo(46);
            assertThat(atSender.dscp()).isEqualTo(46);
            assertThat(atSender.errorDetail()).isNull();
        }
    }

    @Test
    void theAgentRolesGiveTheTargetsRtpStreamRecord() throws Exception {
        byte[] token = token();
        int port;
        try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET)) {
            c.bind(new InetSocketAddress(LOOPBACK, 0));
            port = ((InetSocketAddress) c.getLocalAddress()).getPort();
        }
        ObjectNode definition = Json.MAPPER.createObjectNode().put("targetAgentId", 2).put("codecId", 4)
                .put("port", port).put("jitterBuffer", 60);
        VoiceSpec spec = VoiceSpec.from(definition).withTarget("127.0.0.1", port);
        try (ExecutorService side = Executors.newCachedThreadPool()) {
            Future<Map<DataKind, List<ObjectNode>>> target = side.submit(() ->
                    VoiceMeasurements.target(spec, token, 0, RunContext.withTimeoutMillis(12_000, "target")));
            awaitUdpBound(port); // the target binds its port before the source sends
            SendReport sent = VoiceMeasurements.source(spec, token, RunContext.withTimeoutMillis(10_000, "source"));
            assertThat(sent.packetsSent()).isEqualTo(166).isEqualTo(sent.packetsPlanned());
            assertThat(sent.bytesSent()).isEqualTo(166L * (RtpPacket.HEADER_BYTES + 24));
            assertThat(sent.error()).isNull();
            ObjectNode record = target.get().get(DataKind.VOICE_RTP_STREAM).getFirst();
            assertThat(record.path("codecName").asText()).isEqualTo("G.723.1 @ 6.4 Kbps");
            assertThat(record.path("packetsReceived").asInt()).isEqualTo(166);
            assertThat(record.path("loss").asDouble()).isZero();
            assertThat(record.path("serverIp").asText()).isEqualTo("127.0.0.1");
            if (record.path("packetsDiscarded").asInt() == 0) assertThat(record.path("mos").asDouble()).isEqualTo(3.95);
        }
    }

    @Test
    void withoutAReceiverTheSenderSaysSo() throws Exception {
        int port;
        try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET)) {
            c.bind(new InetSocketAddress(LOOPBACK, 0));
            port = ((InetSocketAddress) c.getLocalAddress()).getPort();
        }
        VoiceSpec spec = new VoiceSpec(Codec.G711_64, 0, 5, 0, "127.0.0.1", port, null);
        // a deadline shorter than the stream: the sender stops at it and reports what it did
        RtpStreamRecord r = new VoiceStreamEngine(token()).run(spec, RunContext.withTimeoutMillis(600, "tx"));
        assertThat(r.mos()).isNull();
        assertThat(r.loss()).isNull();
        assertThat(r.errorDetail()).contains("no summary came back").contains("deadline reached");
    }

    /** Waits until something listens on UDP {@code port} of the loopback address (binding it then fails). */
    static void awaitUdpBound(int port) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            try (DatagramSocket probe = new DatagramSocket(port, LOOPBACK)) {
                return false;
            } catch (BindException taken) {
                return true;
            }
        });
    }
}
