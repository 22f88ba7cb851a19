package dev.vantage.measure.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The http-server engine's view of a test definition (test-metadata.md §4.3 and the HTTP options block §2.2).
 *
 * @param rootHeaders   headers for the first request only ({@code customHeaders.root}, plus the legacy {@code headers})
 * @param allHeaders    headers for every request ({@code customHeaders.all})
 * @param domainHeaders headers per host ({@code customHeaders.domains})
 */
public record HttpSpec(String url, int timeLimitSeconds, boolean followRedirects, boolean verifyCertificate,
                       int sslVersionId, int httpVersion, String authType, String username, String password,
                       Map<String, String> rootHeaders, Map<String, String> allHeaders,
                       Map<String, Map<String, String>> domainHeaders, String postBody, String contentRegex,
                       String desiredStatusCode, String userAgent, String dnsOverride, Long downloadLimit,
                       String clientCertificate, String sourceIpAddress) {

    public static final String DEFAULT_USER_AGENT = "Vantage/0.1 (+http-server test)";

    /** Reads a stored definition; absent fields take the v6 defaults. */
    public static HttpSpec from(JsonNode d) {
        Map<String, String> root = new LinkedHashMap<>();
        for (JsonNode h : d.path("headers")) {
            String line = h.asText();
            int colon = line.indexOf(':');
            if (colon > 0) root.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        JsonNode custom = d.path("customHeaders");
        root.putAll(map(custom.path("root")));
        Map<String, Map<String, String>> domains = new LinkedHashMap<>();
        custom.path("domains").properties().forEach(e -> domains.put(e.getKey().toLowerCase(), map(e.getValue())));
        return new HttpSpec(d.path("url").asText(), d.path("httpTimeLimit").asInt(5),
                d.path("followRedirects").asInt(1) == 1, d.path("verifyCertificate").asInt(1) == 1,
                d.path("sslVersionId").asInt(0), d.path("httpVersion").asInt(2), d.path("authType").asText("NONE"),
                text(d, "username"), text(d, "password"), root, map(custom.path("all")), domains,
                text(d, "postBody"), text(d, "contentRegex"), text(d, "desiredStatusCode"), text(d, "userAgent"),
                text(d, "dnsOverride"), d.hasNonNull("downloadLimit") ? d.get("downloadLimit").asLong() : null,
                text(d, "clientCertificate"), text(d, "sourceIpAddress"));
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** Non-empty text or null. */
    private static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
