package dev.vantage.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostPortTest {

    @Test
    void readsNamesAddressesAndBracketedIpv6WithOrWithoutPort() {
        assertThat(HostPort.parse("example.net")).isEqualTo(new HostPort("example.net", null));
        assertThat(HostPort.parse("10.0.0.1:5060")).isEqualTo(new HostPort("10.0.0.1", 5060));
        assertThat(HostPort.parse("[2001:db8::1]:49153")).isEqualTo(new HostPort("2001:db8::1", 49153));
        assertThat(HostPort.parse("[::1]")).isEqualTo(new HostPort("::1", null));
        assertThat(HostPort.parse("2001:db8::1")).isEqualTo(new HostPort("2001:db8::1", null));
        assertThat(HostPort.parse("h:80").portOr(443)).isEqualTo(80);
        assertThat(HostPort.parse("h").portOr(443)).isEqualTo(443);
    }

    @Test
    void refusesWhatIsNotHostPort() {
        assertThatThrownBy(() -> HostPort.parse("[::1")).hasMessageContaining("unclosed [");
        assertThatThrownBy(() -> HostPort.parse("h:http")).hasMessageContaining("the port must be a number from 0 to 65535, got 'http' in h:http");
        assertThatThrownBy(() -> HostPort.parse("h:70000")).hasMessageContaining("got '70000'");
        assertThatThrownBy(() -> HostPort.parse("[::1]x")).hasMessageContaining("expected :port");
    }
}
