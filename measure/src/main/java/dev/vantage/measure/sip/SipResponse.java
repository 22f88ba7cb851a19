package dev.vantage.measure.sip;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SIP response as read off the wire (RFC 3261 §7.2, §20): status line, headers in order with compact names
 * expanded and folded lines joined, and the body. {@code text} is the whole message as received.
 */
record SipResponse(int code, String reason, List<Header> headers, String body, String text) {

    record Header(String name, String value) {}

    /** RFC 3261 §7.3.3 compact forms (and the RFC 3265/3515/3841/4028 ones a server may use). */
    private static final Map<String, String> COMPACT = Map.ofEntries(
            Map.entry("i", "call-id"), Map.entry("m", "contact"), Map.entry("e", "content-encoding"),
            Map.entry("l", "content-length"), Map.entry("c", "content-type"), Map.entry("f", "from"),
            Map.entry("s", "subject"), Map.entry("k", "supported"), Map.entry("t", "to"), Map.entry("v", "via"),
            Map.entry("o", "event"), Map.entry("r", "refer-to"), Map.entry("u", "allow-events"),
            Map.entry("x", "session-expires"), Map.entry("a", "accept-contact"), Map.entry("b", "referred-by"),
            Map.entry("j", "reject-contact"), Map.entry("d", "request-disposition"));
    private static final Pattern STATUS = Pattern.compile("SIP/2\\.0\\s+(\\d{3})(?:\\s+(.*))?", Pattern.CASE_INSENSITIVE);
    private static final Pattern BRANCH = Pattern.compile(";\\s*branch\\s*=\\s*([^;,\\s]+)", Pattern.CASE_INSENSITIVE);

    /** Parses one whole message; a request or anything that is not a SIP response throws. */
    static SipResponse parse(byte[] message) throws SipProtocolException {
        String text = new String(message, StandardCharsets.UTF_8);
        int end = headerEnd(message);
        String head = end < 0 ? text : new String(message, 0, end, StandardCharsets.UTF_8);
        String body = end < 0 ? "" : new String(message, end, message.length - end, StandardCharsets.UTF_8);
        String[] lines = head.split("\r?\n");
        int first = 0;
        while (first < lines.length && lines[first].isBlank()) first++; // keep-alive CRLFs before the message
        if (first == lines.length) throw new SipProtocolException("empty message");
        Matcher status = STATUS.matcher(lines[first].strip());
        if (!status.matches()) throw new SipProtocolException("not a SIP response: " + abbreviate(lines[first]));
        List<Header> headers = new ArrayList<>();
        for (int i = first + 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) break;
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && !headers.isEmpty()) { // folded: continues the last
                Header last = headers.removeLast();
                headers.add(new Header(last.name(), last.value() + " " + line.strip()));
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) throw new SipProtocolException("malformed header line: " + abbreviate(line));
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            headers.add(new Header(COMPACT.getOrDefault(name, name), line.substring(colon + 1).strip()));
        }
        String reason = status.group(2) == null ? "" : status.group(2).strip();
        return new SipResponse(Integer.parseInt(status.group(1)), reason, List.copyOf(headers), body, text);
    }

    /** First value of a header (long lower-case name), or null. */
    String header(String name) {
        for (Header h : headers) if (h.name().equals(name)) return h.value();
        return null;
    }

    List<String> all(String name) {
        return headers.stream().filter(h -> h.name().equals(name)).map(Header::value).toList();
    }

    boolean provisional() {
        return code < 200;
    }

    String statusLine() {
        return "SIP/2.0 " + code + (reason.isEmpty() ? "" : " " + reason);
    }

    /** The branch of the topmost Via: the transaction this response belongs to (RFC 3261 §17.1.3). */
    String topBranch() {
        String via = header("via");
        if (via == null) return null;
        Matcher m = BRANCH.matcher(firstElement(via));
        return m.find() ? m.group(1) : null;
    }

    /** CSeq as "number METHOD" with single spacing. */
    String cseq() {
        String v = header("cseq");
        return v == null ? null : v.strip().replaceAll("\\s+", " ");
    }

    /** Offset of the first byte after the empty line ending the headers, or -1. */
    static int headerEnd(byte[] b) {
        return headerEnd(b, 0, b.length);
    }

    static int headerEnd(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != '\n') continue;
            if (i + 1 < to && b[i + 1] == '\n') return i + 2;
            if (i + 2 < to && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
        }
        return -1;
    }

    /** A header value may hold several comma-separated elements (Via); the first, outside quotes and brackets. */
    static String firstElement(String value) {
        boolean quoted = false;
        int angle = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) quoted = !quoted;
            else if (!quoted && c == '<') angle++;
            else if (!quoted && c == '>') angle--;
            else if (!quoted && angle == 0 && c == ',') return value.substring(0, i).strip();
        }
        return value.strip();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
