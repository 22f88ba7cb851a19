package dev.vantage.model.codes;

import java.util.Arrays;
import java.util.Optional;

/** {@code sslVersionId} values and their read-only {@code sslVersion} labels (test-metadata.md §2.2). */
public enum SslVersion {
    AUTO(0, "Auto"),
    SSL_V3(3, "SSLv3"),
    TLS_1_0(4, "TLSv1.0"),
    TLS_1_1(5, "TLSv1.1"),
    TLS_1_2(6, "TLSv1.2");

    private final int id;
    private final String label;

    SslVersion(int id, String label) {
        this.id = id;
        this.label = label;
    }

    public int id() { return id; }
    public String label() { return label; }

    public static Optional<SslVersion> byId(int id) {
        return Arrays.stream(values()).filter(v -> v.id == id).findFirst();
    }
}
