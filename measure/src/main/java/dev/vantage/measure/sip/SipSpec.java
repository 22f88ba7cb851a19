package dev.vantage.measure.sip;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * The sip-server engine's view of a stored test definition (test-metadata.md §4.11, flat form: the catalogue has
 * already lifted {@code targetSipCredentials} to the top level).
 *
 * @param registrar         {@code sipRegistrar}: the SIP server's host name or address; the domain of the URIs
 * @param port              the registrar's (and the outbound proxy's) port
 * @param protocol          UDP, TCP or TLS
 * @param user              the SIP user (AOR user part) to register and to send as; null → {@code vantage}
 * @param authUser          the digest user name; null → {@code user}
 * @param password          the digest password; null → a challenge is answered by nothing (reported)
 * @param proxy             {@code sipProxy}: the outbound proxy the requests go to instead of the registrar, or null
 * @param register          {@code registerEnabled}: REGISTER after the OPTIONS probe
 * @param timeLimitSeconds  {@code sipTimeLimit}: the whole probe's budget
 * @param targetTimeMillis  {@code sipTargetTime}: the "good" threshold v6 colours with; not part of the record
 * @param optionsRegex      when set, the OPTIONS response (status line, headers, body) must match it instead of being 2xx
 * @param sourceIpAddress   the agent address to send from, or null
 */
public record SipSpec(String registrar, int port, String protocol, String user, String authUser, String password,
                      String proxy, boolean register, int timeLimitSeconds, int targetTimeMillis, String optionsRegex,
                      String sourceIpAddress) {

    public static final String DEFAULT_USER = "vantage";

    public static SipSpec from(JsonNode d) {
        return new SipSpec(d.path("sipRegistrar").asText(), d.path("port").asInt(5060),
                d.path("protocol").asText("TCP").toUpperCase(Locale.ROOT), text(d, "user"), text(d, "authUser"),
                text(d, "password"), text(d, "sipProxy"), d.path("registerEnabled").asInt(0) == 1,
                d.path("sipTimeLimit").asInt(5), d.path("sipTargetTime").asInt(1000), text(d, "optionsRegex"),
                text(d, "sourceIpAddress"));
    }

    /** The host the requests are sent to: the outbound proxy when set, else the registrar. */
    public String nextHop() {
        return proxy != null ? proxy : registrar;
    }

    String userOrDefault() {
        return user != null ? user : DEFAULT_USER;
    }

    /** The digest user name: {@code authUser}, else {@code user}. */
    String digestUser() {
        return authUser != null ? authUser : userOrDefault();
    }

    private static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
