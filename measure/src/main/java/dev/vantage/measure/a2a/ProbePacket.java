package dev.vantage.measure.a2a;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The agent-to-agent probe, after TWAMP-light (RFC 5357 Appendix I): the sender stamps its sequence number and T1,
 * the reflector answers with a packet of exactly the same size carrying its own sequence number, its receive time
 * T2 and its send time T3. Every packet ends with a 16-byte HMAC-SHA256 (truncated, as RFC 4868 allows) keyed with
 * the round token the server issued; a packet whose MAC does not verify is dropped without reply.
 *
 * <p>Why an HMAC rather than the token itself: a token carried in clear could be lifted off the wire and replayed
 * from a spoofed address for the rest of the round, turning the responder into a reflector. With the MAC, only
 * packets the token holder made verify, each (session, type, sequence) is answered once, and a session answers only
 * the address that opened it.
 *
 * <pre>
 *  0 magic "VTP1"        4 type, 5 sender's DSCP, 2 reserved        8 key id (first 8 bytes of SHA-256(token))
 * 16 session id (8)     24 source agent id (4)    28 sender seq (4)      32 T1 (8)
 * 40 reflector seq (4)  44 reserved (4)           48 T2 (8)              56 T3 (8)
 * 64 a (8)              72 b (8)                  80 c (4)               84 padding … | MAC (16)
 * </pre>
 * Times are nanoseconds since the epoch on each side's {@link Stamp} clock. {@code a/b/c} carry the session summary
 * in END packets: request a = clock offset estimate, b = its error bound, c = probes sent; reply a = probes the
 * reflector received, b = probe replies it sent, c = the throughput it received in kbit/s (0: none).
 * BULK packets (throughput) are never answered.
 */
public final class ProbePacket {
    /** BULK: throughput data, source to target only, never answered. */
    public static final int SYNC = 1, PROBE = 2, END = 3, BULK = 4, REPLY = 0x80;
    public static final int MIN_SIZE = 100;
    public static final int MAX_SIZE = 1472;
    static final int MAC_SIZE = 16;
    private static final int MAGIC = 0x56545031; // "VTP1"

    private ProbePacket() {}

    /** The decoded header (MAC checked by {@link Key#open}). */
    public record Fields(int type, long keyId, long sessionId, int sourceAgentId, int senderSeq, long t1,
                         int reflectorSeq, long t2, long t3, long a, long b, int c) {
        public boolean isReply() {
            return (type & REPLY) != 0;
        }

        public int kind() {
            return type & ~REPLY;
        }
    }

    /** A round token as key: it seals and opens packets. */
    public static final class Key {
        private final byte[] token;
        private final long id;

        public Key(byte[] token) {
            if (token.length < 16) throw new IllegalArgumentException("the round token must have at least 16 bytes");
            this.token = token.clone();
            this.id = ByteBuffer.wrap(sha256(token)).getLong();
        }

        public static Key ofHex(String hex) {
            try {
                return new Key(HexFormat.of().parseHex(hex.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token must be hexadecimal with at least 32 digits: " + e.getMessage());
            }
        }

        public long id() {
            return id;
        }

        /** Writes the header into {@code packet} (its length is the packet size) and signs it. */
        public byte[] seal(byte[] packet, Fields f) {
            return seal(packet, f, 0);
        }

        /** As {@link #seal(byte[], Fields)}, carrying the DSCP the sender marked it with (the reflector copies it). */
        public byte[] seal(byte[] packet, Fields f, int dscp) {
            ByteBuffer b = ByteBuffer.wrap(packet);
            b.putInt(MAGIC).put((byte) f.type()).put((byte) (dscp & 0x3f)).putShort((short) 0).putLong(id)
                    .putLong(f.sessionId()).putInt(f.sourceAgentId()).putInt(f.senderSeq()).putLong(f.t1())
                    .putInt(f.reflectorSeq()).putInt(0).putLong(f.t2()).putLong(f.t3())
                    .putLong(f.a()).putLong(f.b()).putInt(f.c());
            System.arraycopy(mac(packet, packet.length - MAC_SIZE), 0, packet, packet.length - MAC_SIZE, MAC_SIZE);
            return packet;
        }

        /** The fields of a packet sealed with this key, or null when it is not one (size, magic, key, MAC). */
        public Fields open(byte[] packet, int length) {
            Fields f = peek(packet, length);
            if (f == null || f.keyId() != id) return null;
            byte[] expected = mac(packet, length - MAC_SIZE);
            byte[] got = Arrays.copyOfRange(packet, length - MAC_SIZE, length);
            return MessageDigest.isEqual(expected, got) ? f : null;
        }

        private byte[] mac(byte[] packet, int length) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(token, "HmacSHA256"));
                mac.update(packet, 0, length);
                return Arrays.copyOf(mac.doFinal(), MAC_SIZE);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        }
    }

    /** The DSCP the sender says it marked the packet with (byte 5, covered by the MAC). */
    public static int dscp(byte[] packet) {
        return packet[5] & 0x3f;
    }

    /** The header without checking the MAC (to find the key by its id); null when it cannot be one of ours. */
    public static Fields peek(byte[] packet, int length) {
        if (length < MIN_SIZE || length > MAX_SIZE || packet.length < length) return null;
        ByteBuffer b = ByteBuffer.wrap(packet, 0, length);
        if (b.getInt() != MAGIC) return null;
        int type = b.get() & 0xff;
        b.get();
        b.getShort();
        int kind = type & ~REPLY;
        if (kind < SYNC || kind > BULK) return null;
        long keyId = b.getLong(), session = b.getLong();
        int agent = b.getInt(), seq = b.getInt();
        long t1 = b.getLong();
        int rseq = b.getInt();
        b.getInt();
        long t2 = b.getLong(), t3 = b.getLong(), a = b.getLong(), bb = b.getLong();
        int c = b.getInt();
        return new Fields(type, keyId, session, agent, seq, t1, rseq, t2, t3, a, bb, c);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
