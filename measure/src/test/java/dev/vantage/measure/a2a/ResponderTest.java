package dev.vantage.measure.a2a;

import dev.vantage.measure.RunContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The responder on loopback: who gets an answer, how big it is, and a whole session in both protocols. */
class ResponderTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static Responder responder;
    private static ProbePacket.Key key;
    private static RoundLog round;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void start() throws IOException {
        responder = Responder.open(0);
        key = new ProbePacket.Key(token());
        round = responder.accept(key);
    }

    @AfterAll
    static void stop() {
        responder.close();
    }

    static byte[] token() {
        byte[] t = new byte[16];
        RANDOM.nextBytes(t);
        return t;
    }

    private static byte[] sync(ProbePacket.Key k, long session, int seq, int size) {
        return k.seal(new byte[size], new ProbePacket.Fields(ProbePacket.SYNC, k.id(), session, 7, seq,
                Stamp.now(), 0, 0, 0, 0, 0, 0));
    }

    /** Sends each datagram and returns the total bytes that came back (waiting briefly for each). */
    private static int udpExchange(List<byte[]> packets) throws IOException {
        int received = 0;
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK)) {
            socket.setSoTimeout(300);
            for (byte[] p : packets) {
                socket.send(new DatagramPacket(p, p.length, LOOPBACK, responder.port()));
                byte[] in = new byte[4096];
                DatagramPacket reply = new DatagramPacket(in, in.length);
                try {
                    socket.receive(reply);
                    assertThat(reply.getLength()).as("reply size").isLessThanOrEqualTo(p.length);
                    received += reply.getLength();
                } catch (SocketTimeoutException e) {
                    // no answer
                }
            }
        }
        return received;
    }

    @Test
    void udpProbesWithoutTheRoundsTokenGetNoAnswer() throws IOException {
        long session = RANDOM.nextLong();
        ProbePacket.Key stranger = new ProbePacket.Key(token());
        byte[] forged = sync(key, session, 1, 120);
        forged[90] ^= 1; // one bit changed after sealing: the MAC no longer verifies
        byte[] garbage = new byte[200];
        RANDOM.nextBytes(garbage);
        assertThat(udpExchange(List.of(sync(stranger, session, 1, 120), forged, garbage, new byte[10]))).isZero();
        // the same probe sealed with the round's token is answered, once: its replay is not
        byte[] good = sync(key, session, 1, 120);
        assertThat(udpExchange(List.of(good))).isEqualTo(120);
        assertThat(udpExchange(List.of(good))).isZero();
    }

    @Test
    void aVoiceTapSeesTheDscpAndKernelArrivalTimeOfEachDatagram() throws Exception {
        var tap = round.openTap();
        try (DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
             var in = tap.from(LOOPBACK)) {
            for (int dscp : new int[] {46, 34, 0}) {
                socket.setTrafficClass(dscp << 2);
                byte[] rtp = new byte[172];
                rtp[0] = (byte) 0x80; // an RTP header: not a probe, so it goes to the tap
                long before = System.nanoTime();
                socket.send(new DatagramPacket(rtp, rtp.length, LOOPBACK, responder.port()));
                var datagram = in.receive(2_000_000_000L);
                assertThat(datagram).as("datagram with DSCP " + dscp).isNotNull();
                assertThat(datagram.tos()).isEqualTo(dscp << 2);
                assertThat(datagram.data()).hasSize(172);
                assertThat(datagram.arrivalNanos()).isGreaterThanOrEqualTo(before).isLessThanOrEqualTo(System.nanoTime());
            }
            assertThat(in.tosUnavailableReason()).isNull();
        }
    }

    @Test
    void tcpConnectionWithoutTheTokenIsClosedWithoutAByte() throws IOException {
        ProbePacket.Key stranger = new ProbePacket.Key(token());
        try (Socket socket = new Socket(LOOPBACK, responder.port())) {
            socket.setSoTimeout(2000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] p = sync(stranger, RANDOM.nextLong(), 1, 100);
            out.writeShort(p.length);
            out.write(p);
            out.flush();
            assertThat(socket.getInputStream().read()).as("end of stream, no reply").isEqualTo(-1);
        }
        try (Socket socket = new Socket(LOOPBACK, responder.port())) {
            socket.setSoTimeout(2000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] p = sync(key, RANDOM.nextLong(), 1, 300);
            out.writeShort(p.length);
            out.write(p);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertThat(in.readUnsignedShort()).isEqualTo(300);
            byte[] reply = in.readNBytes(300);
            assertThat(key.open(reply, reply.length)).isNotNull().matches(ProbePacket.Fields::isReply);
        }
    }

    @Test
    void aResponderNeverSendsMoreBytesThanItReceived() throws IOException {
        long session = RANDOM.nextLong();
        int sent = 0;
        List<byte[]> packets = new java.util.ArrayList<>();
        for (int seq = 1; seq <= 40; seq++) {
            int size = ProbePacket.MIN_SIZE + RANDOM.nextInt(ProbePacket.MAX_SIZE - ProbePacket.MIN_SIZE + 1);
            byte[] p = seq == 1 ? sync(key, session, seq, size)
                    : key.seal(new byte[size], new ProbePacket.Fields(ProbePacket.PROBE, key.id(), session, 7, seq,
                    Stamp.now(), 0, 0, 0, 0, 0, 0));
            packets.add(p);
            packets.add(p); // every probe twice: a replay must not double the answer
            sent += 2 * size;
        }
        int received = udpExchange(packets);
        assertThat(received).isPositive().isLessThanOrEqualTo(sent / 2);
    }

    @Test
    void aSessionOverLoopbackSeesNoLossEitherWay() throws InterruptedException {
        for (String protocol : List.of("UDP", "TCP")) {
            RoundLog.Session[] seen = new RoundLog.Session[1];
            PairSession.Outcome o = new PairSession(key, 42).run(new InetSocketAddress(LOOPBACK, responder.port()),
                    protocol, null, 46, 5_000_000_000L, RunContext.withTimeoutMillis(20_000, "test"));
            assertThat(o.error()).as(protocol).isNull();
            assertThat(o.sent()).isEqualTo(PairSession.PROBES);
            assertThat(o.targetReceived()).isEqualTo(PairSession.PROBES);
            assertThat(o.replies()).hasSize(PairSession.PROBES);
            // same host, same clock: the offset is within its bound of zero (plus the two anchors' read error)
            assertThat(Math.abs(o.clock().offsetNanos())).isLessThan(o.clock().errorBoundNanos() + 2_000_000L);
            List<PairMetrics> source = AgentToAgent.sourceRecords(o, "BIDIRECTIONAL", "localhost:" + responder.port());
            assertThat(source).extracting(PairMetrics::direction).containsExactly("TO_TARGET", "FROM_TARGET");
            assertThat(source).extracting(PairMetrics::loss).containsOnly(0.0);
            seen[0] = round.sessions().stream().filter(s -> s.sourceAgentId == 42 && s.ended()
                    && s.protocol.equals(protocol)).findFirst().orElseThrow();
            PairMetrics atTarget = AgentToAgent.targetRecord(seen[0], 42, protocol, responder.port(), "x");
            assertThat(atTarget.loss()).isEqualTo(0.0);
            assertThat(atTarget.probesReceived()).isEqualTo(PairSession.PROBES);
            assertThat(atTarget.avgLatency()).isBetween(-2.0, 20.0);
            assertThat(atTarget.clockErrorBound()).isNotNull();
        }
    }

    @Test
    void throughputIsMeasuredByTheTargetAndNeverAnswered() throws InterruptedException {
        // UDP at a set rate: what arrives on loopback is that rate
        PairSession.Outcome udp = new PairSession(key, 43).withThroughput(1500, 20)
                .run(new InetSocketAddress(LOOPBACK, responder.port()), "UDP", null, 0, 5_000_000_000L,
                        RunContext.withTimeoutMillis(20_000, "test"));
        assertThat(udp.targetThroughputMbps()).isBetween(15.0, 25.0);
        RoundLog.Session atTarget = round.sessions().stream().filter(s -> s.sourceAgentId == 43).findFirst().orElseThrow();
        assertThat(atTarget.throughputMbps()).isBetween(15.0, 25.0);
        // TCP as fast as it goes: far above that on loopback
        PairSession.Outcome tcp = new PairSession(key, 44).withThroughput(1000, null)
                .run(new InetSocketAddress(LOOPBACK, responder.port()), "TCP", null, 0, 5_000_000_000L,
                        RunContext.withTimeoutMillis(20_000, "test"));
        assertThat(tcp.targetThroughputMbps()).isGreaterThan(50.0);
        assertThat(AgentToAgent.sourceRecords(tcp, "TO_TARGET", "x").getFirst().throughput()).isGreaterThan(50.0);
    }

    @Test
    void aTargetThatNeverAnswersIsAnErrorRecordNotAHang() throws Exception {
        int closedPort;
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            closedPort = s.getLocalPort();
        }
        long start = System.nanoTime();
        PairSession.Outcome o = new PairSession(new ProbePacket.Key(token()), 1).run(
                new InetSocketAddress(LOOPBACK, closedPort), "UDP", null, 0, 1_000_000_000L,
                RunContext.withTimeoutMillis(10_000, "test"));
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(3);
        assertThat(o.error()).contains("did not answer");
        assertThat(AgentToAgent.sourceRecords(o, "TO_TARGET", "x")).singleElement()
                .satisfies(m -> {
                    assertThat(m.errorDetails()).contains("did not answer");
                    assertThat(m.loss()).isNull();
                });
        assertThat(HexFormat.of().formatHex(token())).hasSize(32);
    }
}
