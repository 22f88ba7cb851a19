package dev.vantage.measure.voice;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.Json;
import dev.vantage.model.codes.Codec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The v6 voice fields (test-metadata.md §4.12) and their defaults. */
class VoiceSpecTest {

    @Test
    void absentFieldsTakeTheV6Defaults() {
        VoiceSpec s = VoiceSpec.from(Json.MAPPER.createObjectNode().put("targetAgentId", 7));
        assertThat(s.codec()).isEqualTo(Codec.G711_64);
        assertThat(s.dscpId()).isEqualTo(46);
        assertThat(s.tos()).isEqualTo(0xb8);
        assertThat(s.durationSeconds()).isEqualTo(5);
        assertThat(s.jitterBufferMillis()).isEqualTo(40);
        assertThat(s.targetPort()).isEqualTo(49152);
        assertThat(s.targetHost()).isNull();
        assertThat(s.packetCount()).isEqualTo(250);
    }

    @Test
    void fieldsAndTheEchoedServerAreRead() {
        ObjectNode d = Json.MAPPER.createObjectNode().put("codecId", 4).put("dscpId", 0).put("duration", 30)
                .put("jitterBuffer", 150).put("server", "10.0.0.2:40000").put("sourceIpAddress", "10.0.0.1");
        VoiceSpec s = VoiceSpec.from(d);
        assertThat(s.codec()).isEqualTo(Codec.G723_1_6_4);
        assertThat(s.targetHost()).isEqualTo("10.0.0.2");
        assertThat(s.targetPort()).isEqualTo(40000);
        assertThat(s.sourceIp()).isEqualTo("10.0.0.1");
        assertThat(s.packetCount()).isEqualTo(1000); // 30 s of 30 ms packets
        assertThat(VoiceSpec.from(d.put("port", 40001)).targetPort()).isEqualTo(40001);
        assertThat(VoiceSpec.from(d.put("server", "[::1]:5")).targetHost()).isEqualTo("::1");
    }

    @Test
    void valuesOutOfRangeAreRefusedByName() {
        assertThatThrownBy(() -> VoiceSpec.from(Json.MAPPER.createObjectNode().put("codecId", 10))).hasMessageContaining("codecId 10");
        assertThatThrownBy(() -> VoiceSpec.from(Json.MAPPER.createObjectNode().put("dscpId", 3))).hasMessageContaining("dscpId 3");
        assertThatThrownBy(() -> VoiceSpec.from(Json.MAPPER.createObjectNode().put("duration", 4))).hasMessageContaining("duration");
        assertThatThrownBy(() -> VoiceSpec.from(Json.MAPPER.createObjectNode().put("jitterBuffer", 151))).hasMessageContaining("jitterBuffer");
    }

    @Test
    void packetisationFollowsTheCodecsRealRateAndInterval() {
        // G.711 20 ms → 160 bytes, 50 pps; G.729a 20 ms → 20 bytes; G.723.1 30 ms → 24 bytes; G.722 160 bytes at an 8 kHz clock
        assertThat(CodecProfile.of(Codec.G711_64).payloadBytes(0)).isEqualTo(160);
        assertThat(CodecProfile.of(Codec.G711_64).packetsPerSecond()).isEqualTo(50.0);
        assertThat(CodecProfile.of(Codec.G729A_8).payloadBytes(0)).isEqualTo(20);
        assertThat(CodecProfile.of(Codec.G723_1_6_4).payloadBytes(0)).isEqualTo(24);
        assertThat(CodecProfile.of(Codec.G723_1_6_4).timestampStep()).isEqualTo(240);
        assertThat(CodecProfile.of(Codec.G722_64).payloadBytes(0)).isEqualTo(160);
        assertThat(CodecProfile.of(Codec.G722_64).timestampStep()).isEqualTo(160);
        assertThat(CodecProfile.of(Codec.G722_1_24).timestampStep()).isEqualTo(320);
        // 27.8 kbit/s is 69.5 bytes a packet: sizes alternate so the rate is exact
        CodecProfile rta = CodecProfile.of(Codec.RTAUDIO_27_8);
        assertThat(rta.payloadBytes(0) + rta.payloadBytes(1)).isEqualTo(139);
    }
}
