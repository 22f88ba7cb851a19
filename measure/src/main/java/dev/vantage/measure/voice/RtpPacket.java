package dev.vantage.measure.voice;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * One RTP packet of a voice test stream (RFC 3550 §5.1) carrying the round token in a header extension.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X=1| CC=0  |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |                             SSRC                              |
 * |      profile id 0x5654 ("VT") |       length = 6 (words)      |
 * |                  round token (16 bytes, 4 words)              |
 * |          send time, ns since the epoch (8 bytes, 2 words)      |
 * |                  payload (codec-sized filler)                  |
 * </pre>
 *
 * The extension is RFC 3550 §5.3.1's profile-defined header extension: receivers that do not know 0x5654 skip it
 * by its length, so the stream stays a valid RTP/AVP stream. The send time lets the receiver compute one-way delay
 * (given the two clocks' offset). The token authenticates the stream for the round: the receiver drops anything
 * without it.
 */
public final class RtpPacket {
    private RtpPacket() {}

    public static final int VERSION = 2;
    /** Our profile-defined extension id, "VT". */
    public static final int EXTENSION_PROFILE = 0x5654;
    public static final int TOKEN_BYTES = 16;
    /** Extension body in 32-bit words: 4 words of token + 2 words of send time. */
    static final int EXTENSION_WORDS = 6;
    /** Fixed header + extension header + extension body. */
    public static final int HEADER_BYTES = 12 + 4 + EXTENSION_WORDS * 4;

    /** What a receiver reads from a packet that carried the right token. */
    public record Parsed(int sequence, long timestamp, long ssrc, int payloadType, boolean marker,
                         long sendEpochNanos, int payloadBytes) {}

    /** Writes one packet into {@code out} (cleared first) and flips it for sending. */
    public static void write(ByteBuffer out, int payloadType, boolean marker, int sequence, long timestamp, long ssrc,
                             byte[] token, long sendEpochNanos, int payloadBytes) {
        out.clear();
        out.put((byte) (VERSION << 6 | 1 << 4)); // V=2, P=0, X=1, CC=0
        out.put((byte) ((marker ? 0x80 : 0) | (payloadType & 0x7f)));
        out.putShort((short) sequence);
        out.putInt((int) timestamp);
        out.putInt((int) ssrc);
        out.putShort((short) EXTENSION_PROFILE);
        out.putShort((short) EXTENSION_WORDS);
        out.put(token, 0, TOKEN_BYTES);
        out.putLong(sendEpochNanos);
        // codec-sized filler: the receiver never decodes audio, and zeros would compress on links that compress
        for (int i = 0; i < payloadBytes; i++) out.put((byte) (0x55 ^ i));
        out.flip();
    }

    /**
     * Reads a datagram as one of our RTP packets.
     *
     * @return the packet, or null when it is not RTP version 2 with our extension and exactly this token
     */
    public static Parsed read(byte[] data, int length, byte[] token) {
        if (length < HEADER_BYTES) return null;
        ByteBuffer in = ByteBuffer.wrap(data, 0, length);
        int b0 = in.get() & 0xff;
        if (b0 >>> 6 != VERSION || (b0 & 0x10) == 0) return null;
        boolean padding = (b0 & 0x20) != 0;
        int csrcCount = b0 & 0x0f;
        int b1 = in.get() & 0xff;
        int sequence = in.getShort() & 0xffff;
        long timestamp = in.getInt() & 0xffffffffL;
        long ssrc = in.getInt() & 0xffffffffL;
        if (in.remaining() < csrcCount * 4 + 4 + EXTENSION_WORDS * 4) return null;
        in.position(in.position() + csrcCount * 4);
        int profile = in.getShort() & 0xffff;
        int words = in.getShort() & 0xffff;
        if (profile != EXTENSION_PROFILE || words < EXTENSION_WORDS || in.remaining() < words * 4) return null;
        byte[] carried = new byte[TOKEN_BYTES];
        in.get(carried);
        if (!MessageDigest.isEqual(carried, token)) return null; // constant time: no token oracle
        long sendEpochNanos = in.getLong();
        in.position(in.position() + (words - EXTENSION_WORDS) * 4);
        int payload = in.remaining();
        if (padding && payload > 0) payload -= data[length - 1] & 0xff;
        return new Parsed(sequence, timestamp, ssrc, b1 & 0x7f, (b1 & 0x80) != 0, sendEpochNanos, Math.max(0, payload));
    }

    /**
     * The stream's first sequence number and timestamp, derived from the round token. RFC 3550 §5.1 wants them
     * unpredictable; these are, to anyone without the (random, per-round) token, and the receiver, which holds it,
     * can place every packet in the stream — including losses before the first packet that arrives.
     */
    public static int firstSequence(byte[] token) {
        return (token[0] & 0xff) << 8 | token[1] & 0xff;
    }

    public static long firstTimestamp(byte[] token) {
        return ByteBuffer.wrap(token, 2, 4).getInt() & 0xffffffffL;
    }
}
