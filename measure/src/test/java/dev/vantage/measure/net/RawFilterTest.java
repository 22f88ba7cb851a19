package dev.vantage.measure.net;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The kernel runs the raw sockets' BPF filters: a socket sees its own target's answers and nobody else's. */
class RawFilterTest {

    @Test
    void anIcmpFilterPassesOnlyItsTargetsEchoReplies() throws Exception {
        Inet4Address loopback = (Inet4Address) InetAddress.getByName("127.0.0.1");
        Inet4Address other = (Inet4Address) InetAddress.getByName("127.0.0.2");
        try (NativeSocket mine = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_ICMP);
             NativeSocket notMine = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_ICMP)) {
            mine.attachFilter(Packets.icmpFilter(loopback));
            notMine.attachFilter(Packets.icmpFilter(other));
            mine.sendTo(Packets.echoRequest(777, 1, 8), loopback, 0);
            Received r = mine.receive(2_000, false);
            assertThat(r).isNotNull();
            // the request itself (type 8) is filtered out: the first packet is the reply
            assertThat(r.data()[Packets.ihl(r.data(), 0)]).isEqualTo((byte) Packets.ICMP_ECHO_REPLY);
            assertThat(notMine.receive(300, false)).isNull();
        }
    }

    @Test
    void aTcpFilterPassesOnlyItsPortRange() throws Exception {
        Inet4Address loopback = (Inet4Address) InetAddress.getByName("127.0.0.1");
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 10, loopback);
             NativeSocket inRange = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_TCP);
             NativeSocket outOfRange = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_TCP)) {
            int port = server.getLocalPort();
            inRange.attachFilter(Packets.tcpFilter(loopback, port, 40_000, 40_010));
            outOfRange.attachFilter(Packets.tcpFilter(loopback, port, 40_010, 40_020));
            inRange.sendTo(Packets.tcpSyn(loopback, 40_005, loopback, port, 12345), loopback, 0);
            Received r = inRange.receive(2_000, false);
            assertThat(r).isNotNull();
            int t = Packets.ihl(r.data(), 0);
            assertThat(Packets.u16(r.data(), t + 2)).as("from %s:%d flags %x", r.from(), Packets.u16(r.data(), t),
                    r.data()[t + 13]).isEqualTo(40_005);
            assertThat(Packets.u32(r.data(), t + 8)).isEqualTo(12346); // SYN/ACK acknowledges our sequence number
            assertThat(outOfRange.receive(300, false)).isNull();
            inRange.sendTo(Packets.tcpRst(loopback, 40_005, loopback, port, 12346), loopback, 0);
        }
    }
}
