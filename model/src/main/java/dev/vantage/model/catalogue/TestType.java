package dev.vantage.model.catalogue;

import java.util.Arrays;
import java.util.Optional;

/** The twelve instant-capable v6 test types. {@code engineBuilt} turns a type on for the instant API. */
public enum TestType {
    AGENT_TO_SERVER("agent-to-server", true),
    AGENT_TO_AGENT("agent-to-agent", true),
    HTTP_SERVER("http-server", true),
    PAGE_LOAD("page-load", false),
    TRANSACTIONS("transactions", false),
    WEB_TRANSACTIONS("web-transactions", false),
    FTP_SERVER("ftp-server", true),
    DNS_TRACE("dns-trace", true),
    DNS_SERVER("dns-server", true),
    DNS_DNSSEC("dns-dnssec", true),
    SIP_SERVER("sip-server", true),
    VOICE("voice", true);

    private final String wireName;
    private final boolean engineBuilt;

    TestType(String wireName, boolean engineBuilt) {
        this.wireName = wireName;
        this.engineBuilt = engineBuilt;
    }

    /** The name used in URLs and in the {@code type} field, e.g. {@code http-server}. */
    public String wireName() { return wireName; }

    /** Whether an engine exists for this type; types without one are refused by the instant API. */
    public boolean engineBuilt() { return engineBuilt; }

    /** Exact, case-sensitive lookup by wire name. */
    public static Optional<TestType> byWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
