package dev.vantage.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/** Token generation and the one-way hash under which tokens are stored. */
public final class Tokens {
    private Tokens() {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** A v6-style Basic-auth API token: 32 lower-case alphanumerics. */
    public static String newApiToken() {
        return randomAlphanumeric(32);
    }

    /** A v6-style OAuth bearer token: a UUID. */
    public static String newBearerToken() {
        return UUID.randomUUID().toString();
    }

    public static String newAgentToken() {
        return randomAlphanumeric(40);
    }

    public static String randomAlphanumeric(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) out[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        return new String(out);
    }

    /** SHA-256 hex: tokens are high-entropy random strings, so a fast unsalted hash is enough to store them. */
    public static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of a presented token with a stored hash. */
    public static boolean matches(String token, String storedHash) {
        if (token == null || storedHash == null) return false;
        return MessageDigest.isEqual(hash(token).getBytes(StandardCharsets.US_ASCII),
                storedHash.getBytes(StandardCharsets.US_ASCII));
    }
}
