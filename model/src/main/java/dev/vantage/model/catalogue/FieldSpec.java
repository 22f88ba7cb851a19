package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One row of a type's field table: the field's name, JSON kind, range or allowed values, default and flags.
 * {@link #check} turns a request value into the value stored in the definition, or refuses it with a message
 * naming the field.
 *
 * @param allowed ENUM: the allowed strings; CODE: the allowed integers (as text); URL: the allowed schemes
 */
public record FieldSpec(String name, Kind kind, long min, long max, List<String> allowed, JsonNode defaultValue,
                        Set<Flag> flags) {

    public enum Kind {
        /** a JSON integer within [min, max] */
        INT,
        /** the v6 boolean: integer 0 or 1 */
        FLAG,
        /** an integer from a code table ({@code allowed}) */
        CODE,
        STRING,
        /** a string from {@code allowed} */
        ENUM,
        /** a string that must compile as a java.util.regex pattern */
        REGEX,
        /** an absolute URL with a host, scheme in {@code allowed} */
        URL,
        /** a host name or IP literal */
        HOST,
        /** an IP literal */
        IP,
        /** {@code "<name> [RRTYPE]"}, normalized to {@code "<name> <RRTYPE>"} (RRTYPE default ANY) */
        DOMAIN,
        STRING_ARRAY,
        INT_ARRAY,
        /** a JSON object (structure checked by a type rule) */
        OBJECT,
        /** a JSON array (structure checked by a type rule) */
        ARRAY
    }

    public enum Flag {
        /** must be present (and non-empty) */
        REQ,
        /** accepted and ignored; a non-null {@code defaultValue} is the constant the instant API echoes */
        IGN,
        /** write-only: goes to {@code secrets}, never into the definition */
        SECRET,
        /** read-only: a sent value is ignored; a non-null {@code defaultValue} is the echoed constant */
        RO
    }

    public static final List<String> DNS_RECORD_TYPES = List.of(
            "A", "AAAA", "ANY", "NS", "CNAME", "MX", "SOA", "PTR", "TXT", "NULL", "DS", "RRSIG", "DNSKEY", "NSEC");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,254}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                    + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");

    public FieldSpec {
        allowed = List.copyOf(allowed);
        flags = Collections.unmodifiableSet(flags.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(flags));
    }

    // ---- factories used by the type tables ----

    static FieldSpec integer(String name, long min, long max) {
        return new FieldSpec(name, Kind.INT, min, max, List.of(), null, Set.of());
    }

    static FieldSpec integer(String name, long min, long max, int defaultValue) {
        return integer(name, min, max).withDefault(IntNode.valueOf(defaultValue));
    }

    static FieldSpec flag(String name, int defaultValue) {
        return new FieldSpec(name, Kind.FLAG, 0, 1, List.of(), IntNode.valueOf(defaultValue), Set.of());
    }

    static FieldSpec code(String name, int defaultValue, int... codes) {
        List<String> allowed = IntStream.of(codes).mapToObj(String::valueOf).toList();
        return new FieldSpec(name, Kind.CODE, 0, 0, allowed, IntNode.valueOf(defaultValue), Set.of());
    }

    static FieldSpec string(String name) {
        return of(name, Kind.STRING);
    }

    static FieldSpec string(String name, String defaultValue) {
        return of(name, Kind.STRING).withDefault(TextNode.valueOf(defaultValue));
    }

    static FieldSpec oneOf(String name, String defaultValue, String... values) {
        return new FieldSpec(name, Kind.ENUM, 0, 0, List.of(values),
                defaultValue == null ? null : TextNode.valueOf(defaultValue), Set.of());
    }

    static FieldSpec url(String name, String... schemes) {
        return new FieldSpec(name, Kind.URL, 0, 0, List.of(schemes), null, Set.of());
    }

    static FieldSpec of(String name, Kind kind) {
        return new FieldSpec(name, kind, 0, 0, List.of(), null, Set.of());
    }

    static FieldSpec ignored(String name) {
        return new FieldSpec(name, Kind.STRING, 0, 0, List.of(), null, Set.of(Flag.IGN));
    }

    static FieldSpec ignored(String name, int echoed) {
        return new FieldSpec(name, Kind.INT, 0, 0, List.of(), IntNode.valueOf(echoed), Set.of(Flag.IGN));
    }

    static FieldSpec readOnly(String name, JsonNode echoed) {
        return new FieldSpec(name, Kind.STRING, 0, 0, List.of(), echoed, Set.of(Flag.RO));
    }

    /** A read-only field whose value a type rule computes (e.g. {@code sslVersion}); its row fixes its echo order. */
    static FieldSpec computed(String name) {
        return readOnly(name, null);
    }

    FieldSpec required() {
        return withFlag(Flag.REQ);
    }

    FieldSpec secret() {
        return withFlag(Flag.SECRET);
    }

    FieldSpec withDefault(JsonNode value) {
        return new FieldSpec(name, kind, min, max, allowed, value, flags);
    }

    private FieldSpec withFlag(Flag flag) {
        EnumSet<Flag> more = flags.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(flags);
        more.add(flag);
        return new FieldSpec(name, kind, min, max, allowed, defaultValue, more);
    }

    public boolean is(Flag flag) {
        return flags.contains(flag);
    }

    // ---- validation ----

    /**
     * Checks one present, non-null request value and returns the value to store.
     *
     * @param label the name to use in messages (e.g. {@code targetSipCredentials.port})
     */
    public JsonNode check(JsonNode value, String label) throws InvalidTestException {
        boolean textKind = switch (kind) {
            case ENUM, REGEX, URL, HOST, IP, DOMAIN -> true;
            default -> false;
        };
        if (textKind && !value.isTextual()) throw invalid(label, value); // say what a valid value looks like
        return switch (kind) {
            case INT -> IntNode.valueOf(intIn(value, label, min, max, expectation()));
            case FLAG -> IntNode.valueOf(intIn(value, label, 0, 1, expectation()));
            case CODE -> {
                int v = intIn(value, label, Integer.MIN_VALUE, Integer.MAX_VALUE, expectation());
                if (!allowed.contains(String.valueOf(v))) throw invalid(label, value);
                yield IntNode.valueOf(v);
            }
            case STRING -> TextNode.valueOf(text(value, label));
            case ENUM -> {
                String v = text(value, label);
                if (!allowed.contains(v)) throw invalid(label, value);
                yield TextNode.valueOf(v);
            }
            case REGEX -> {
                String v = text(value, label);
                try {
                    Pattern.compile(v);
                } catch (PatternSyntaxException e) {
                    throw new InvalidTestException(label + " must be a valid regular expression: "
                            + e.getDescription() + " near index " + e.getIndex() + ", got " + shown(value));
                }
                yield TextNode.valueOf(v);
            }
            case URL -> TextNode.valueOf(url(value, label));
            case HOST -> {
                String v = nonEmptyText(value, label);
                if (!isHost(v)) throw invalid(label, value);
                yield TextNode.valueOf(v);
            }
            case IP -> {
                String v = nonEmptyText(value, label);
                if (!isIpLiteral(v)) throw invalid(label, value);
                yield TextNode.valueOf(v);
            }
            case DOMAIN -> TextNode.valueOf(domain(value, label));
            case STRING_ARRAY -> {
                if (!value.isArray()) throw invalid(label, value);
                ArrayNode out = NODES.arrayNode();
                for (int i = 0; i < value.size(); i++) out.add(text(value.get(i), label + "[" + i + "]"));
                yield out;
            }
            case INT_ARRAY -> {
                if (!value.isArray()) throw invalid(label, value);
                ArrayNode out = NODES.arrayNode();
                for (int i = 0; i < value.size(); i++) {
                    out.add(intIn(value.get(i), label + "[" + i + "]", Integer.MIN_VALUE, Integer.MAX_VALUE,
                            "an integer"));
                }
                yield out;
            }
            case OBJECT -> {
                if (!value.isObject()) throw invalid(label, value);
                yield value.deepCopy();
            }
            case ARRAY -> {
                if (!value.isArray()) throw invalid(label, value);
                yield value.deepCopy();
            }
        };
    }

    /** What a valid value looks like, for messages: "an integer between 5 and 60". */
    public String expectation() {
        return switch (kind) {
            case INT -> min == Integer.MIN_VALUE && max == Integer.MAX_VALUE ? "an integer"
                    : max == Integer.MAX_VALUE ? "an integer of at least " + min
                    : "an integer between " + min + " and " + max;
            case FLAG -> "0 or 1";
            case CODE -> "one of " + String.join(", ", allowed);
            case STRING, REGEX -> "a string";
            case ENUM -> "one of " + String.join(", ", allowed);
            case URL -> "an absolute " + allowed.stream().map(s -> s + "://").collect(Collectors.joining(" or "))
                    + " URL with a host";
            case HOST -> "a host name or IP address";
            case IP -> "an IP address";
            case DOMAIN -> "\"<name> <record type>\" with a record type among " + String.join(", ", DNS_RECORD_TYPES);
            case STRING_ARRAY -> "an array of strings";
            case INT_ARRAY -> "an array of integers";
            case OBJECT -> "an object";
            case ARRAY -> "an array";
        };
    }

    private InvalidTestException invalid(String label, JsonNode value) {
        return new InvalidTestException(label + " must be " + expectation() + ", got " + shown(value));
    }

    // ---- shared helpers, also used by type rules ----

    /** An integer value: a JSON integer, or a number with an integral value (5.0); never a string. */
    static int intIn(JsonNode value, String label, long min, long max, String expectation)
            throws InvalidTestException {
        boolean integral = value != null && value.isNumber()
                && (value.isIntegralNumber() || value.canConvertToExactIntegral());
        if (!integral || !value.canConvertToLong()) {
            throw new InvalidTestException(label + " must be " + expectation + ", got " + shown(value));
        }
        long v = value.asLong();
        if (v < min || v > max || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new InvalidTestException(label + " must be " + expectation + ", got " + shown(value));
        }
        return (int) v;
    }

    static String text(JsonNode value, String label) throws InvalidTestException {
        if (value == null || !value.isTextual()) {
            throw new InvalidTestException(label + " must be a string, got " + shown(value));
        }
        return value.asText();
    }

    static String nonEmptyText(JsonNode value, String label) throws InvalidTestException {
        String v = text(value, label);
        if (v.isBlank()) throw new InvalidTestException(label + " must not be empty");
        return v;
    }

    /** A value as it appears in a message: JSON text, shortened. */
    static String shown(JsonNode value) {
        String s = value == null ? "nothing" : value.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    static boolean isIpLiteral(String s) {
        if (!s.matches("[0-9A-Fa-f:.]+") || !(s.contains(".") || s.contains(":"))) return false;
        try {
            java.net.InetAddress.ofLiteral(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isHost(String s) {
        if (s.matches("[0-9.]+")) return isIpLiteral(s); // all-numeric: only a valid IPv4 literal
        return isIpLiteral(s) || HOST_NAME.matcher(s).matches();
    }

    private String url(JsonNode value, String label) throws InvalidTestException {
        String v = nonEmptyText(value, label);
        URI uri;
        try {
            uri = new URI(v.strip());
        } catch (URISyntaxException e) {
            throw new InvalidTestException(label + " must be " + expectation() + ", got " + shown(value)
                    + " (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!allowed.contains(scheme) || uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid(label, value);
        }
        return v.strip();
    }

    private String domain(JsonNode value, String label) throws InvalidTestException {
        String[] parts = nonEmptyText(value, label).strip().split("\\s+");
        String recordType = parts.length > 1 ? parts[1].toUpperCase(Locale.ROOT) : "ANY";
        if (parts.length > 2 || !HOST_NAME.matcher(parts[0]).matches() && !parts[0].equals(".")
                || !DNS_RECORD_TYPES.contains(recordType)) {
            throw invalid(label, value);
        }
        return parts[0] + " " + recordType;
    }
}
