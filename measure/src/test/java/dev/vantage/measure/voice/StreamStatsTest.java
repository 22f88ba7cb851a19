package dev.vantage.measure.voice;

import dev.vantage.model.codes.Codec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Loss, duplicates, reordering, sequence wrap and the fixed de-jitter buffer on hand-made arrivals. */
class StreamStatsTest {
    static final long MS = 1_000_000L;
    // first sequence number 0xfffe: the stream wraps after two packets
    final byte[] token = {(byte) 0xff, (byte) 0xfe, 0, 0, 1, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    final VoiceSpec spec = new VoiceSpec(Codec.G711_64, 46, 5, 40, "127.0.0.1", 5000, null);

    RtpPacket.Parsed packet(int index, long sendEpochNanos) {
        ByteBuffer b = ByteBuffer.allocate(400);
        RtpPacket.write(b, 0, index == 0, (RtpPacket.firstSequence(token) + index) & 0xffff,
                RtpPacket.firstTimestamp(token) + 160L * index, 1234, token, sendEpochNanos, 160);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return RtpPacket.read(bytes, bytes.length, token);
    }

    @Test
    void aPerfectStreamHasNoLossNoDiscardsAndConstantDelay() {
        var acc = new StreamStats.Accumulator(spec, token, 0);
        for (int i = 0; i < 250; i++) assertThat(acc.accept(packet(i, i * 20 * MS), i * 20 * MS + 5 * MS, i * 20 * MS + 5 * MS, null)).isTrue();
        StreamStats s = acc.stats();
        assertThat(s.expected()).isEqualTo(250);
        assertThat(s.received()).isEqualTo(250);
        assertThat(s.lost()).isZero();
        assertThat(s.discarded()).isZero();
        assertThat(s.latencyMillis()).isCloseTo(5.0, within(1e-9));
        assertThat(s.pdvMillis()).isZero();
        assertThat(s.jitterMillis()).isCloseTo(0.0, within(0.01));
    }

    @Test
    void lossDuplicatesReorderingAndLatePackets() {
        var acc = new StreamStats.Accumulator(spec, token, 2 * MS); // receiver clock 2 ms ahead
        for (int i = 0; i < 250; i++) {
            if (i == 0 || i == 7 || i == 249) continue; // lost, including before the first arrival and the last
            long arrival = i * 20 * MS + 10 * MS;
            if (i == 100) arrival += 41 * MS; // 41 ms late: past a 40 ms buffer → discard
            if (i == 101) arrival += 39 * MS; // 39 ms late: still plays
            if (i == 50) arrival += 25 * MS; // reordered behind 51
            acc.accept(packet(i, i * 20 * MS), arrival, arrival, null);
            if (i == 30) acc.accept(packet(i, i * 20 * MS), arrival + MS, arrival + MS, null); // duplicate
        }
        StreamStats s = acc.stats();
        assertThat(s.received()).isEqualTo(247);
        assertThat(s.lost()).isEqualTo(3);
        assertThat(s.duplicates()).isEqualTo(1);
        // first arrival is packet 1 at 30 ms; packet i plays at 30 + 40 + (i − 1)·20 = 50 + 20i ms
        assertThat(s.discarded()).isEqualTo(1);
        assertThat(s.latencyMillis()).isCloseTo(8.0 + (41 + 39 + 25) / 247.0, within(1e-6));
        // PDV: 99.9th percentile (nearest rank of 247 → the largest) of delay − min delay
        assertThat(s.pdvMillis()).isCloseTo(41.0, within(1e-9));
        RtpStreamRecord r = RtpStreamRecord.of(spec, "127.0.0.1", s, null, null);
        assertThat(r.loss()).isCloseTo(1.2, within(1e-9));
        assertThat(r.discards()).isCloseTo(0.4, within(1e-9));
        assertThat(r.latency()).isEqualTo(8);
        assertThat(r.mos()).isCloseTo(EModel.mos(EModel.r(spec.profile(), 1.6, 8.43 + 40 + 20)), within(0.006));
    }

    @Test
    void packetsOfAnotherSsrcOrOutsideTheStreamAreNotCounted() {
        var acc = new StreamStats.Accumulator(spec, token, 0);
        assertThat(acc.accept(packet(0, 0), 0, 0, null)).isTrue();
        RtpPacket.Parsed p = packet(1, 0);
        RtpPacket.Parsed other = new RtpPacket.Parsed(p.sequence(), p.timestamp(), 999, 0, false, 0, 160);
        assertThat(acc.accept(other, 20 * MS, 20 * MS, null)).isFalse();
        RtpPacket.Parsed beyond = new RtpPacket.Parsed((RtpPacket.firstSequence(token) + 250) & 0xffff, 0, 1234, 0, false, 0, 160);
        assertThat(acc.accept(beyond, 20 * MS, 20 * MS, null)).isFalse();
        assertThat(acc.stats().received()).isEqualTo(1);
    }

    @Test
    void theObservedDscpIsTheCommonestTos() {
        var acc = new StreamStats.Accumulator(spec, token, 0);
        for (int i = 0; i < 10; i++) acc.accept(packet(i, 0), i * 20 * MS, 0, i == 3 ? 0 : 46 << 2);
        assertThat(acc.stats().dscp()).isEqualTo(46);
        RtpStreamRecord r = RtpStreamRecord.of(spec, null, acc.stats(), "x", null);
        assertThat(r.dscpName()).isEqualTo("EF (DSCP 46)");
        assertThat(r.errorDetail()).isNull();
    }

    @Test
    void aWrongTokenIsNotOurPacket() {
        ByteBuffer b = ByteBuffer.allocate(400);
        RtpPacket.write(b, 0, true, 1, 1, 1, token, 0, 160);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        byte[] other = token.clone();
        other[15] ^= 1;
        assertThat(RtpPacket.read(bytes, bytes.length, token)).isNotNull();
        assertThat(RtpPacket.read(bytes, bytes.length, other)).isNull();
        assertThat(RtpPacket.read(bytes, 20, token)).isNull();
    }

    @Test
    void theSummaryRoundTripsAndNeedsTheToken() {
        StreamStats s = new StreamStats(250, 240, 3, 1, 12.345, 4.5, 0.7, 46);
        byte[] wire = StreamSummary.encode(token, s);
        assertThat(wire).hasSize(StreamSummary.BYTES);
        assertThat(StreamSummary.decode(wire, token)).isEqualTo(s);
        byte[] other = token.clone();
        other[0] ^= 1;
        assertThat(StreamSummary.decode(wire, other)).isNull();
        StreamStats empty = new StreamStats(250, 0, 0, 0, null, null, null, null);
        assertThat(StreamSummary.decode(StreamSummary.encode(token, empty), token)).isEqualTo(empty);
    }
}
