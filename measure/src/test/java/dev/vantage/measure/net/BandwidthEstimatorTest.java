package dev.vantage.measure.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.testnet.TestNet;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bandwidthMeasurements=1} across a link shaped to 20 Mbit/s with a token bucket (tc tbf, whose bucket holds
 * one packet, so back-to-back packets leave it spaced at the rate): agent — router — target, the router's link to the
 * target shaped. With no cross traffic both capacity and available bandwidth are that rate.
 */
class BandwidthEstimatorTest {
    static final double RATE_MBPS = 20.0;
    private static TestNet net;
    private static String agent;

    @BeforeAll
    static void shapedPath() {
        net = new TestNet();
        agent = net.host("bwa");
        String router = net.router("bwr"), target = net.host("bwt");
        net.link(agent, "10.81.1.1/30", router, "10.81.1.2/30");
        String[] toTarget = net.link(router, "10.81.2.1/30", target, "10.81.2.2/30");
        net.route(agent, "default", "10.81.1.2");
        net.route(target, "default", "10.81.2.1");
        net.run(router, "tc", "qdisc", "add", "dev", toTarget[0], "root", "tbf", "rate", "20mbit", "burst", "1600",
                "latency", "200ms");
    }

    @AfterAll
    static void removeIt() {
        List<String> made = net.liveNamespaces();
        net.close();
        assertThat(TestNet.listNamespaces()).doesNotContainAnyElementsOf(made);
    }

    private static JsonNode metrics(ObjectNode definition) throws Exception {
        return NetworkEngineTest.inNamespace(agent, () -> NetworkMeasurements.agentToServer(definition,
                RunContext.withTimeoutMillis(30_000, "bw"))).get(DataKind.NET_METRICS).getFirst();
    }

    @Test
    void capacityAndAvailableBandwidthOfAShapedLinkAreItsRate() throws Exception {
        ObjectNode definition = Json.MAPPER.createObjectNode().put("server", "10.81.2.2").put("port", 80)
                .put("bandwidthMeasurements", 1);
        JsonNode m = metrics(definition);
        System.out.println("shaped to 20 Mbit/s: " + m);
        assertThat(m.has("bandwidthError")).as(m.toString()).isFalse();
        // packet pairs through a one-packet bucket: the spacing is 1514 bytes at 20 Mbit/s on the wire, which we
        // count as 1500 IP bytes: 19.8 Mbit/s; ±20 % covers the timer slack of tbf and of the kernel stamps
        assertThat(m.path("capacity").asDouble()).isBetween(RATE_MBPS * 0.8, RATE_MBPS * 1.2);
        assertThat(m.path("bandwidth").asDouble()).isBetween(RATE_MBPS * 0.7, m.path("capacity").asDouble() * 1.1);
        assertThat(m.path("pathMtu").asInt()).isEqualTo(1500);
    }

    @Test
    void withoutTheFlagOrWithIcmpThereIsNoBandwidthFigure() throws Exception {
        JsonNode plain = metrics(Json.MAPPER.createObjectNode().put("server", "10.81.2.2").put("port", 80));
        assertThat(plain.has("bandwidth")).isFalse();
        assertThat(plain.has("capacity")).isFalse();
        JsonNode icmp = metrics(Json.MAPPER.createObjectNode().put("server", "10.81.2.2").put("protocol", "ICMP")
                .put("bandwidthMeasurements", 1));
        assertThat(icmp.has("capacity")).isFalse();
        assertThat(icmp.path("bandwidthError").asText()).isEqualTo("bandwidth not measured: needs protocol TCP (trains of SYN probes)");
    }
}
