package dev.vantage.model.codes;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class CodesTest {

    @Test
    void dscpIdsAndLabels() {
        assertThat(Arrays.stream(Dscp.values()).mapToInt(Dscp::id))
                .containsExactly(0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56);
        assertThat(Dscp.byId(0).orElseThrow().label()).isEqualTo("Best Effort (DSCP 0)");
        assertThat(Dscp.byId(46).orElseThrow().label()).isEqualTo("EF (DSCP 46)");
        assertThat(Dscp.byId(44).orElseThrow().label()).isEqualTo("VOICE-ADMIT (DSCP 44)");
        assertThat(Dscp.byId(7)).isEmpty();
    }

    @Test
    void codecIdsAndLabels() {
        assertThat(Arrays.stream(Codec.values()).mapToInt(Codec::id)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(Codec.byId(0).orElseThrow().label()).isEqualTo("G.711 @ 64 Kbps");
        assertThat(Codec.byId(9).orElseThrow().label()).isEqualTo("G.722 @ 64 Kbps (WB)");
        assertThat(Codec.byId(10)).isEmpty();
    }

    @Test
    void sslVersionIdsAndLabels() {
        assertThat(Arrays.stream(SslVersion.values()).mapToInt(SslVersion::id)).containsExactly(0, 3, 4, 5, 6);
        assertThat(SslVersion.byId(0).orElseThrow().label()).isEqualTo("Auto");
        assertThat(SslVersion.byId(6).orElseThrow().label()).isEqualTo("TLSv1.2");
        assertThat(SslVersion.byId(1)).isEmpty();
    }
}
