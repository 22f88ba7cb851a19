package dev.vantage.server.api;

import java.util.Locale;

/**
 * The representation of a reply. Chosen by path suffix, then Accept, then {@code format=} (conventions.md §3).
 */
public enum Format {
    JSON("application/json;charset=UTF-8"),
    XML("text/xml;charset=UTF-8");

    private final String contentType;

    Format(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() { return contentType; }

    /** The path without its format suffix, and the suffix's format (null when none). */
    public record Stripped(String path, Format suffix) {}

    public static Stripped stripSuffix(String path) {
        if (path.endsWith(".json")) return new Stripped(path.substring(0, path.length() - 5), JSON);
        if (path.endsWith(".xml")) return new Stripped(path.substring(0, path.length() - 4), XML);
        return new Stripped(path, null);
    }

    /**
     * Applies the precedence suffix > Accept > format parameter. Throws 406 when Accept names only types we cannot
     * produce; an unknown {@code format} value is a 400.
     */
    public static Format choose(Format suffix, String accept, String formatParam) {
        if (suffix != null) return suffix;
        Format fromAccept = fromAccept(accept);
        if (fromAccept != null) return fromAccept;
        if (formatParam != null) {
            return switch (formatParam) {
                case "json" -> JSON;
                case "xml" -> XML;
                default -> throw ApiException.badRequest("format must be json or xml (lower case), got " + formatParam);
            };
        }
        return JSON;
    }

    /** JSON or XML when Accept asks for one specifically, null when it accepts anything (or is absent). */
    private static Format fromAccept(String accept) {
        if (accept == null || accept.isBlank()) return null;
        boolean any = false;
        Format best = null;
        double bestQ = -1;
        for (String range : accept.split(",")) {
            String[] parts = range.trim().split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            double q = 1.0;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (q <= 0) continue;
            Format f = switch (type) {
                case "application/json", "text/json", "application/*+json" -> JSON;
                case "text/xml", "application/xml" -> XML;
                case "*/*", "application/*", "text/*" -> {
                    any = true;
                    yield null;
                }
                default -> null;
            };
            if (f != null && q > bestQ) {
                best = f;
                bestQ = q;
            }
        }
        if (best != null) return best;
        if (any) return null;
        throw new ApiException(406, "cannot produce any type named in Accept (" + accept
                + "); this API serves application/json and text/xml");
    }
}
