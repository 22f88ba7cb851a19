package dev.vantage.measure.net;

import dev.vantage.model.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's view of a stored definition: the network block's fields, and the v6 defaults when absent. */
class NetworkMeasurementsTest {

    @Test
    void theNetworkBlockMapsOntoTheSpec() throws Exception {
        var d = Json.MAPPER.readTree("""
                {"protocol":"ICMP","probeMode":"SYN","numPathTraces":5,"pathTraceMode":"inSession",
                 "mtuMeasurements":0,"dscpId":46,"pingPayloadSize":100,"ipv6Policy":"FORCE_IPV4",
                 "sourceIpAddress":"10.0.0.9"}""");
        NetworkEngine.Spec s = NetworkMeasurements.spec("h.example", 443, d);
        assertThat(s).isEqualTo(new NetworkEngine.Spec("h.example", 443, "ICMP", "SYN", 5, "inSession", false, 184, 100,
                "FORCE_IPV4", "10.0.0.9", 3));
    }

    @Test
    void absentFieldsTakeTheV6Defaults() {
        NetworkEngine.Spec s = NetworkMeasurements.spec("h.example", 80, Json.MAPPER.createObjectNode());
        assertThat(s).isEqualTo(NetworkEngine.Spec.defaults("h.example", 80));
    }

    @Test
    void networkMeasurementsOffMeansNoRecords() throws Exception {
        var d = Json.MAPPER.createObjectNode().put("networkMeasurements", 0);
        assertThat(NetworkMeasurements.to("127.0.0.1", 80, d, dev.vantage.measure.RunContext.withTimeoutMillis(1_000, "t")))
                .isEmpty();
    }
}
