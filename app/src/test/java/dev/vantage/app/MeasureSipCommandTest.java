package dev.vantage.app;

import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** `vantage measure sip-server` in-process: usage errors exit 2, a failed probe prints its record and exits 1. */
class MeasureSipCommandTest {

    @Test
    void badTargetsAndFieldsAreUsageErrors() {
        MainTest.Run port = MainTest.run("measure", "sip-server", "--target", "pbx.example.net:five");
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).contains("--target: the port must be a number from 0 to 65535, got 'five'");
        MainTest.Run range = MainTest.run("measure", "sip-server", "--target", "pbx.example.net:80");
        assertThat(range.code()).isEqualTo(2);
        assertThat(range.err()).contains("targetSipCredentials.port must be an integer between 1024 and 65535, got 80");
        MainTest.Run protocol = MainTest.run("measure", "sip-server", "--target", "pbx.example.net", "--protocol", "sctp");
        assertThat(protocol.code()).isEqualTo(2);
        assertThat(protocol.err()).contains("targetSipCredentials.protocol must be one of TCP, TLS, UDP, got \"SCTP\"");
    }

    @Test
    void aProbeOfAClosedUdpPortPrintsTheConnectFailureAndExits1() throws Exception {
        int port; // an ephemeral port (above 1024, as the catalogue wants) that nothing listens on any more
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = s.getLocalPort();
        }
        MainTest.Run run = MainTest.run("measure", "sip-server", "--target", "127.0.0.1:" + port, "--protocol", "UDP");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).contains("voice/sip-server", "availability    0.0 %", "errorType       Connect",
                "(ICMP port unreachable)", "OPTIONS sip:127.0.0.1:" + port + " SIP/2.0");
    }
}
