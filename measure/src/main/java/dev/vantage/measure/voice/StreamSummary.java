package dev.vantage.measure.voice;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The one datagram a standalone receiver may send back to the stream's source: the {@link StreamStats} of the
 * stream, authenticated by the round token, 44 bytes. It goes out only when it is no larger than the smallest
 * packet of the stream (the smallest stream packet, G.729a's, is 60 bytes), so the receiver can never send more
 * than it received and cannot be used to amplify traffic.
 *
 * <pre>
 * "VSUM" | token (16) | expected u16 | received u16 | discarded u16 | duplicates u16 |
 * latency µs i32 | pdv µs i32 | jitter µs i32 | dscp u8 (0xff: not observed) | version u8 (1) | 0 u16
 * </pre>
 */
public final class StreamSummary {
    private StreamSummary() {}

    public static final int BYTES = 44;
    private static final int MAGIC = 0x5653554d; // "VSUM"
    private static final int VERSION = 1;
    private static final int ABSENT = Integer.MIN_VALUE;

    public static byte[] encode(byte[] token, StreamStats s) {
        ByteBuffer out = ByteBuffer.allocate(BYTES);
        out.putInt(MAGIC).put(token, 0, RtpPacket.TOKEN_BYTES);
        out.putShort((short) s.expected()).putShort((short) s.received()).putShort((short) s.discarded())
                .putShort((short) s.duplicates());
        out.putInt(micros(s.latencyMillis())).putInt(micros(s.pdvMillis())).putInt(micros(s.jitterMillis()));
        out.put((byte) (s.dscp() == null ? 0xff : s.dscp())).put((byte) VERSION).putShort((short) 0);
        return out.array();
    }

    /** @return the statistics, or null when this is not a summary carrying {@code token} */
    public static StreamStats decode(byte[] data, byte[] token) {
        if (data.length != BYTES) return null;
        ByteBuffer in = ByteBuffer.wrap(data);
        if (in.getInt() != MAGIC) return null;
        byte[] carried = new byte[RtpPacket.TOKEN_BYTES];
        in.get(carried);
        if (!MessageDigest.isEqual(carried, token)) return null;
        int expected = in.getShort() & 0xffff, received = in.getShort() & 0xffff;
        int discarded = in.getShort() & 0xffff, duplicates = in.getShort() & 0xffff;
        Double latency = millis(in.getInt()), pdv = millis(in.getInt()), jitter = millis(in.getInt());
        int dscp = in.get() & 0xff;
        if ((in.get() & 0xff) != VERSION) return null;
        return new StreamStats(expected, received, discarded, duplicates, latency, pdv, jitter, dscp == 0xff ? null : dscp);
    }

    private static int micros(Double millis) {
        return millis == null ? ABSENT : (int) Math.max(ABSENT + 1, Math.min(Integer.MAX_VALUE, Math.round(millis * 1000)));
    }

    private static Double millis(int micros) {
        return micros == ABSENT ? null : micros / 1000.0;
    }
}
