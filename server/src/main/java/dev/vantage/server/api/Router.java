package dev.vantage.server.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Maps (method, path) to a route. v6 paths may carry a {@code .json}/{@code .xml} suffix on their last segment,
 * which Javalin's router does not understand, so the /v6 tree is routed here: patterns like
 * {@code /v6/instant/{testId}/rerun}, literal segments before parameters, first declared wins.
 */
public final class Router<R> {
    private record Entry<R>(String method, String[] segments, R route) {}

    public record Match<R>(R route, Map<String, String> params) {}

    private final List<Entry<R>> entries = new ArrayList<>();

    public Router<R> add(String method, String pattern, R route) {
        entries.add(new Entry<>(method, split(pattern), route));
        return this;
    }

    /** The route for the request; empty when the path is unknown. Throws 405 when only other methods fit. */
    public Optional<Match<R>> match(String method, String path) {
        String[] segments = split(path);
        Set<String> allowed = new TreeSet<>();
        for (Entry<R> e : entries) {
            Map<String, String> params = bind(e.segments(), segments);
            if (params == null) continue;
            if (e.method().equals(method)) return Optional.of(new Match<>(e.route(), params));
            allowed.add(e.method());
        }
        if (!allowed.isEmpty()) {
            throw new ApiException(405, method + " is not allowed on " + path + "; use " + String.join(" or ", allowed),
                    Map.of("Allow", String.join(", ", allowed)));
        }
        return Optional.empty();
    }

    private static Map<String, String> bind(String[] pattern, String[] path) {
        if (pattern.length != path.length) return null;
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (path[i].isEmpty()) return null;
                params.put(p.substring(1, p.length() - 1), path[i]);
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) trimmed = trimmed.substring(0, trimmed.length() - 1);
        return trimmed.split("/", -1);
    }
}
