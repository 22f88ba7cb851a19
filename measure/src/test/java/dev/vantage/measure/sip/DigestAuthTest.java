package dev.vantage.measure.sip;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Digest responses against the worked examples of the RFCs themselves. */
class DigestAuthTest {

    private static final String RFC7616_CHALLENGE = "realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
            + "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    private static final String RFC7616_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    @Test
    void rfc7616Section391WithMd5AndSha256() {
        DigestAuth.Challenge md5 = DigestAuth.parse("Digest " + RFC7616_CHALLENGE + ", algorithm=MD5");
        DigestAuth.Challenge sha = DigestAuth.parse("Digest " + RFC7616_CHALLENGE + ", algorithm=SHA-256");
        assertThat(DigestAuth.response(md5, "Mufasa", "Circle of Life", "GET", "/dir/index.html", "", "auth",
                "00000001", RFC7616_CNONCE)).isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
        assertThat(DigestAuth.response(sha, "Mufasa", "Circle of Life", "GET", "/dir/index.html", "", "auth",
                "00000001", RFC7616_CNONCE)).isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    @Test
    void rfc2617Section35() {
        DigestAuth.Challenge c = DigestAuth.parse("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                + "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
        assertThat(c.algorithm()).isEqualTo("MD5");
        String header = DigestAuth.authorization(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "", 1, "0a4f113b");
        assertThat(header).isEqualTo("Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                + "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
                + "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
                + "qop=auth, nc=00000001, cnonce=\"0a4f113b\"");
    }

    @Test
    void withoutQopTheResponseIsOfNonceAndHa2Only() {
        // RFC 2069 form, the one RFC 3261 §22.4 still allows: H(HA1:nonce:HA2)
        DigestAuth.Challenge c = DigestAuth.parse("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
        String header = DigestAuth.authorization(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "", 1, null);
        assertThat(header).doesNotContain("qop", "nc=", "cnonce")
                .contains("response=\"670fd8c2df070c60b045671b8b24ff02\"");
    }

    @Test
    void theStrongestUsableChallengeIsChosen() {
        assertThat(DigestAuth.choose(List.of("Digest realm=\"r\", nonce=\"a\", algorithm=MD5",
                "Digest realm=\"r\", nonce=\"b\", algorithm=SHA-256", "Basic realm=\"r\"")).nonce()).isEqualTo("b");
        assertThat(DigestAuth.choose(List.of("Digest realm=\"r\", nonce=\"a\"",
                "Digest realm=\"r\", nonce=\"c\", algorithm=SHA-512-256, qop=\"auth\"")).nonce()).isEqualTo("c");
        // -sess without a qop has no cnonce to hash; an unknown algorithm is skipped
        assertThat(DigestAuth.choose(List.of("Digest realm=\"r\", nonce=\"a\", algorithm=SHA-256-sess",
                "Digest realm=\"r\", nonce=\"d\", algorithm=AKAv1-MD5"))).isNull();
        assertThat(DigestAuth.choose(List.of("Basic realm=\"r\""))).isNull();
    }

    @Test
    void quotedParametersWithCommasAndEscapes() {
        var p = DigestAuth.params("realm=\"a, \\\"b\\\"\", nonce=xyz , qop=\"auth,auth-int\",stale=FALSE");
        assertThat(p).containsEntry("realm", "a, \"b\"").containsEntry("nonce", "xyz")
                .containsEntry("qop", "auth,auth-int").containsEntry("stale", "FALSE");
    }
}
