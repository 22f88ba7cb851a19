package dev.vantage.measure.dns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DnsConfigTest {
    @TempDir
    Path tmp;

    @Test
    void theDefaultsAreTheIanaRootServersAndBothRootKsks() {
        assertThat(DnsConfig.DEFAULT.rootHints()).hasSize(13);
        assertThat(DnsConfig.DEFAULT.rootHints().getFirst().name()).hasToString("a.root-servers.net.");
        assertThat(DnsConfig.DEFAULT.rootHints().getFirst().addresses()).extracting(a -> a.getHostAddress())
                .containsExactly("198.41.0.4", "2001:503:ba3e:0:0:0:2:30");
        assertThat(DnsConfig.DEFAULT.trustAnchors()).contains(". IN DS 20326 8 2 ", ". IN DS 38696 8 2 ");
    }

    @Test
    void rootHintsAreAnAddressListOrAHintsFile() throws Exception {
        assertThat(DnsConfig.parseRootHints("127.0.53.1, ::1")).extracting(DnsConfig.NameServer::label)
                .containsExactly("127.0.53.1", "0:0:0:0:0:0:0:1");
        Path file = Files.writeString(tmp.resolve("named.root"), """
                .                 3600000  NS    A.ROOT.LAB.
                A.ROOT.LAB.       3600000  A     127.0.53.1
                .                 3600000  NS    B.ROOT.LAB.
                """);
        // B has no address: it cannot be a starting point
        assertThat(DnsConfig.parseRootHints(file.toString())).singleElement()
                .satisfies(ns -> assertThat(ns.name()).hasToString("A.ROOT.LAB."));
    }

    @Test
    void badHintsAndAnchorsAreRefusedWithTheReason() throws Exception {
        assertThatThrownBy(() -> DnsConfig.parseRootHints(tmp.resolve("missing").toString()))
                .hasMessageContaining("root hints must be ip,ip,... or a readable hints file");
        Path noAddress = Files.writeString(tmp.resolve("hints"), ". 3600 NS a.root.lab.\n");
        assertThatThrownBy(() -> DnsConfig.parseRootHints(noAddress.toString()))
                .hasMessageContaining("names no root server with an address");
        Path notAnchor = Files.writeString(tmp.resolve("anchor"), "example. 3600 IN A 192.0.2.1\n");
        assertThatThrownBy(() -> DnsConfig.DEFAULT.withTrustAnchorFile(notAnchor))
                .hasMessageContaining("holds no DS or DNSKEY record");
        Path garbage = Files.writeString(tmp.resolve("garbage"), "this is not a zone file {\n");
        assertThatThrownBy(() -> DnsConfig.DEFAULT.withTrustAnchorFile(garbage))
                .hasMessageContaining("is not in zone-file form");
    }
}
