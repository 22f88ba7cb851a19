package dev.vantage.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;

class HostInfoTest {

    @ParameterizedTest
    @CsvSource({
            "fd00:0:0:0:0:0:0:2, fd00::2",
            "0:0:0:0:0:0:0:1, ::1",
            "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:1:2:3:4:5:6, 2001:db8:1:2:3:4:5:6",
            "fe80:0:0:0:0:0:0:0, fe80::",
            "192.0.2.7, 192.0.2.7"})
    void addressesAreWrittenTheShortWay(String input, String expected) throws UnknownHostException {
        assertThat(HostInfo.text(InetAddress.getByName(input))).isEqualTo(expected);
    }

    @Test
    void addressesAreThoseOfInterfacesThatAreUpWithLoopbackOnlyAsLastResort() throws Exception {
        var addresses = HostInfo.addresses();
        assertThat(addresses).isNotEmpty();
        boolean hasExternal = NetworkInterface.networkInterfaces().anyMatch(nic -> {
            try {
                return nic.isUp() && nic.inetAddresses().anyMatch(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress());
            } catch (Exception e) {
                return false;
            }
        });
        if (hasExternal) {
            assertThat(addresses).noneMatch(a -> a.equals("127.0.0.1") || a.equals("::1"));
        } else {
            assertThat(addresses).contains("127.0.0.1");
        }
        assertThat(HostInfo.hostname()).isNotBlank();
    }
}
