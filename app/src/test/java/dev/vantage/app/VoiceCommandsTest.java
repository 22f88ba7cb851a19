package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.model.Json;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code vantage voice-receiver} and {@code vantage measure voice} against each other over loopback. */
class VoiceCommandsTest {

    @Test
    void theSenderPrintsTheRecordTheReceiverMeasured() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String token = HexFormat.of().formatHex(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        CompletableFuture<MainTest.Run> receiver = CompletableFuture.supplyAsync(() -> MainTest.run("voice-receiver",
                "--port", String.valueOf(port), "--address", "127.0.0.1", "--token", token, "--codec", "5",
                "--wait", "20", "--json"));
        // the receiver binds its port before the sender sends
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
            try (DatagramSocket probe = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return false;
            } catch (BindException taken) {
                return true;
            }
        });
        MainTest.Run sender = MainTest.run("measure", "voice", "--target", "127.0.0.1:" + port, "--token", token,
                "--codec", "5", "--json");
        MainTest.Run received = receiver.get(30, TimeUnit.SECONDS);
        assertThat(sender.code()).as(sender.err()).isZero();
        assertThat(received.code()).as(received.err()).isZero();
        JsonNode atSender = Json.MAPPER.readTree(sender.out());
        assertThat(atSender.path("codecName").asText()).isEqualTo("G.729a @ 8 Kbps");
        assertThat(atSender.path("codecMaxMos").asDouble()).isEqualTo(4.10);
        assertThat(atSender.path("packetsExpected").asInt()).isEqualTo(250);
        assertThat(atSender.path("loss").asDouble()).isZero();
        assertThat(atSender.path("mos").asDouble()).isBetween(3.0, 4.10);
        assertThat(received.out()).contains("summary sent back");
        JsonNode atReceiver = Json.MAPPER.readTree(received.out().substring(received.out().indexOf('{')));
        assertThat(atReceiver.path("mos")).isEqualTo(atSender.path("mos"));
        assertThat(atReceiver.path("serverIp").asText()).isEqualTo("127.0.0.1");
        // the receiver saw the EF marking the sender put on every packet (the default dscpId 46)
        assertThat(atReceiver.path("dscp").asInt()).isEqualTo(46);
        assertThat(atSender.path("dscpName").asText()).isEqualTo("EF (DSCP 46)");
    }

    @Test
    void badOptionsAreOneClearLine() {
        MainTest.Run run = MainTest.run("measure", "voice", "--target", "127.0.0.1:9", "--token", "abc");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("--token wants 32 hex digits");
        run = MainTest.run("measure", "voice", "--target", "127.0.0.1:9", "--token", "00".repeat(16), "--duration", "31");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("duration must be 5-30");
        run = MainTest.run("measure", "voice", "--target", "127.0.0.1:9", "--token", "00".repeat(16), "--codec", "12");
        assertThat(run.err()).contains("codecId 12 is not a known codec");
        assertThat(MainTest.run("voice-receiver", "--help").code()).isZero();
        assertThat(MainTest.run("measure", "voice", "--help").code()).isZero();
    }
}
