package dev.vantage.measure.voice;

import dev.vantage.model.codes.Codec;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the per-packet code of sender and receiver once on made-up packets before the first real stream of this
 * JVM. The receiver stamps arrivals when it reads the socket, so a first packet whose handling loads classes
 * (tens of ms in a cold JVM) would make the packets queued behind it look late and turn them into discards.
 */
final class StreamWarmup {
    private StreamWarmup() {}

    private static final AtomicBoolean DONE = new AtomicBoolean();

    static void once() {
        if (!DONE.compareAndSet(false, true)) return;
        byte[] token = new byte[RtpPacket.TOKEN_BYTES];
        VoiceSpec spec = new VoiceSpec(Codec.G711_64, 46, 5, 40, "127.0.0.1", 9, null);
        StreamStats.Accumulator acc = new StreamStats.Accumulator(spec, token, 0);
        ByteBuffer buffer = ByteBuffer.allocate(RtpPacket.HEADER_BYTES + 200);
        byte[] bytes = new byte[RtpPacket.HEADER_BYTES + 160];
        for (int i = 0; i < spec.packetCount(); i++) {
            RtpPacket.write(buffer, 0, i == 0, i, 160L * i, 1, token, i * 20_000_000L, 160);
            buffer.get(bytes);
            RtpPacket.Parsed p = RtpPacket.read(bytes, bytes.length, token);
            acc.accept(p, i * 20_000_000L, i * 20_000_000L, null);
        }
        StreamStats stats = acc.stats();
        RtpStreamRecord.of(spec, "127.0.0.1", stats, null, null);
        StreamSummary.decode(StreamSummary.encode(token, stats), token);
    }
}
