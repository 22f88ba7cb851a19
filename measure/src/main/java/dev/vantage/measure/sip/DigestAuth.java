package dev.vantage.measure.sip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP Digest as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616; SHA-256 and SHA-512/256 for SIP by RFC 8760):
 * picks the strongest challenge we can answer and computes the {@code Authorization} (or
 * {@code Proxy-Authorization}) value, with {@code qop=auth} (or {@code auth-int}), {@code nc} and {@code cnonce}
 * when the challenge offers a qop.
 */
final class DigestAuth {
    private DigestAuth() {}

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Strongest first (RFC 8760 §2.4: a UAC uses the topmost challenge whose algorithm it supports; we prefer strength). */
    private static final List<String> PREFERENCE = List.of("SHA-512-256", "SHA-512-256-SESS", "SHA-256",
            "SHA-256-SESS", "MD5", "MD5-SESS");

    /** One parsed {@code Digest} challenge. */
    record Challenge(String realm, String nonce, String opaque, String algorithm, List<String> qops) {
        String javaAlgorithm() {
            String base = algorithm.toUpperCase(Locale.ROOT).replace("-SESS", "");
            return switch (base) {
                case "MD5" -> "MD5";
                case "SHA-256" -> "SHA-256";
                case "SHA-512-256" -> "SHA-512/256";
                default -> null;
            };
        }

        boolean sess() {
            return algorithm.toUpperCase(Locale.ROOT).endsWith("-SESS");
        }
    }

    /** The challenge to answer among a response's WWW-/Proxy-Authenticate values, or null when none is usable. */
    static Challenge choose(List<String> headerValues) {
        Challenge best = null;
        int bestRank = Integer.MAX_VALUE;
        for (String value : headerValues) {
            Challenge c = parse(value);
            if (c == null) continue;
            int rank = PREFERENCE.indexOf(c.algorithm().toUpperCase(Locale.ROOT));
            if (rank < 0 || (c.sess() && c.qops().isEmpty())) continue; // -sess needs a cnonce, so a qop
            if (rank < bestRank) {
                best = c;
                bestRank = rank;
            }
        }
        return best;
    }

    /** Parses {@code Digest realm="x", nonce="y", ...}; null when not a Digest challenge or without a nonce. */
    static Challenge parse(String value) {
        String v = value.strip();
        if (v.length() < 7 || !v.regionMatches(true, 0, "Digest", 0, 6) || !Character.isWhitespace(v.charAt(6))) {
            return null;
        }
        Map<String, String> p = params(v.substring(7));
        if (p.get("nonce") == null) return null;
        List<String> qops = p.get("qop") == null ? List.of()
                : java.util.Arrays.stream(p.get("qop").split(",")).map(String::strip)
                .map(s -> s.toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
        return new Challenge(p.getOrDefault("realm", ""), p.get("nonce"), p.get("opaque"),
                p.getOrDefault("algorithm", "MD5"), qops);
    }

    /** auth-params: name=token or name="quoted string" (with \-escapes), comma-separated. */
    static Map<String, String> params(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) i++;
            int nameStart = i;
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ',' && !Character.isWhitespace(s.charAt(i))) i++;
            String name = s.substring(nameStart, i).toLowerCase(Locale.ROOT);
            while (i < n && Character.isWhitespace(s.charAt(i))) i++;
            if (i >= n || s.charAt(i) != '=') {
                if (!name.isEmpty()) out.put(name, "");
                continue;
            }
            i++;
            while (i < n && Character.isWhitespace(s.charAt(i))) i++;
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) i++;
                    value.append(s.charAt(i++));
                }
                i++; // closing quote
            } else {
                while (i < n && s.charAt(i) != ',' && !Character.isWhitespace(s.charAt(i))) value.append(s.charAt(i++));
            }
            if (!name.isEmpty()) out.put(name, value.toString());
        }
        return out;
    }

    /**
     * The credentials header value answering {@code c} for one request.
     *
     * @param nonceCount how many times this nonce has been used, this request included (nc)
     * @param cnonce     client nonce; null to draw a random one
     */
    static String authorization(Challenge c, String username, String password, String method, String uri,
                                String body, int nonceCount, String cnonce) {
        String qop = c.qops().contains("auth") ? "auth" : c.qops().contains("auth-int") ? "auth-int" : null;
        String nc = String.format(Locale.ROOT, "%08x", nonceCount);
        if (qop != null && cnonce == null) cnonce = HexFormat.of().formatHex(bytes(8));
        String response = response(c, username, password, method, uri, body, qop, nc, cnonce);
        StringBuilder h = new StringBuilder("Digest username=").append(quote(username))
                .append(", realm=").append(quote(c.realm()))
                .append(", nonce=").append(quote(c.nonce()))
                .append(", uri=").append(quote(uri))
                .append(", response=").append(quote(response))
                .append(", algorithm=").append(c.algorithm());
        if (c.opaque() != null) h.append(", opaque=").append(quote(c.opaque()));
        if (qop != null) h.append(", qop=").append(qop).append(", nc=").append(nc).append(", cnonce=").append(quote(cnonce));
        return h.toString();
    }

    /** RFC 7616 §3.4.1: response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without a qop. */
    static String response(Challenge c, String username, String password, String method, String uri, String body,
                           String qop, String nc, String cnonce) {
        String alg = c.javaAlgorithm();
        String ha1 = hash(alg, username + ":" + c.realm() + ":" + password);
        if (c.sess()) ha1 = hash(alg, ha1 + ":" + c.nonce() + ":" + cnonce);
        String a2 = method + ":" + uri;
        if ("auth-int".equals(qop)) a2 += ":" + hash(alg, body == null ? "" : body);
        String ha2 = hash(alg, a2);
        return qop == null ? hash(alg, ha1 + ":" + c.nonce() + ":" + ha2)
                : hash(alg, ha1 + ":" + c.nonce() + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
    }

    private static String hash(String algorithm, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
