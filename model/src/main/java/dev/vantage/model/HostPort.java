package dev.vantage.model;

/**
 * A {@code host[:port]} target as v6 echoes it in {@code server} and as the CLI takes it: a name, an IPv4
 * address or a bracketed IPv6 address ({@code [2001:db8::1]:5060}), with an optional port. A bare IPv6 address
 * without brackets is a host with no port.
 *
 * @param host the host without brackets
 * @param port the port, or null when the text has none
 */
public record HostPort(String host, Integer port) {

    /** @throws IllegalArgumentException with a message naming the text when it is not of that form */
    public static HostPort parse(String text) {
        String s = text.strip();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) throw new IllegalArgumentException("unclosed [ in " + text);
            String rest = s.substring(end + 1);
            if (rest.isEmpty()) return new HostPort(s.substring(1, end), null);
            if (!rest.startsWith(":")) throw new IllegalArgumentException("expected :port after ] in " + text);
            return new HostPort(s.substring(1, end), port(rest.substring(1), text));
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0 && s.indexOf(':') == colon) return new HostPort(s.substring(0, colon), port(s.substring(colon + 1), text));
        if (s.isEmpty()) throw new IllegalArgumentException("empty host");
        return new HostPort(s, null);
    }

    /** The port, or {@code fallback} when the text named none. */
    public int portOr(int fallback) {
        return port != null ? port : fallback;
    }

    private static int port(String digits, String text) {
        if (!digits.matches("\\d{1,5}") || Integer.parseInt(digits) > 65535) {
            throw new IllegalArgumentException("the port must be a number from 0 to 65535, got '" + digits + "' in " + text);
        }
        return Integer.parseInt(digits);
    }
}
