package dev.vantage.measure.testnet;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The test network itself: packets cross the routers, TTLs expire at them, and nothing is left behind. */
class TestNetTest {

    @Test
    void aTwoRouterPathForwardsAndIsRemovedOnClose() {
        List<String> made;
        try (TestNet net = new TestNet()) {
            String a = net.host("a"), r1 = net.router("r1"), r2 = net.router("r2"), b = net.host("b");
            net.link(a, "10.91.1.1/30", r1, "10.91.1.2/30");
            String[] narrow = net.link(r1, "10.91.2.1/30", r2, "10.91.2.2/30");
            net.mtu(r1, narrow[0], 1300);
            net.mtu(r2, narrow[1], 1300);
            net.link(r2, "10.91.3.1/30", b, "10.91.3.2/30");
            net.route(a, "default", "10.91.1.2");
            net.route(r1, "10.91.3.0/30", "10.91.2.2");
            net.route(r2, "10.91.1.0/30", "10.91.2.1");
            net.route(b, "default", "10.91.3.1");

            assertThat(net.run(a, "ping", "-c", "1", "-W", "2", "10.91.3.2")).contains("1 received");
            // a TTL of 1 expires at the first router, which says so
            assertThat(net.run(a, "sh", "-c", "ping -c 1 -W 2 -t 1 10.91.3.2 || true")).contains("10.91.1.2");
            // DF packets larger than the narrow link are refused with its MTU
            assertThat(net.run(a, "sh", "-c", "ping -c 1 -W 2 -M do -s 1400 10.91.3.2 || true"))
                    .containsAnyOf("mtu = 1300", "mtu=1300");
            made = net.liveNamespaces();
            assertThat(made).hasSize(4);
        }
        assertThat(TestNet.listNamespaces()).doesNotContainAnyElementsOf(made);
    }
}
