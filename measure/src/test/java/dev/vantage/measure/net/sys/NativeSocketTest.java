package dev.vantage.measure.net.sys;

import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The foreign binding against the loopback interface of this host's kernel. */
class NativeSocketTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void aRawIcmpSocketGetsAnEchoReply() throws Exception {
        try (NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.RAW, NativeSocket.IPPROTO_ICMP)) {
            byte[] echo = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'h', 'i'};
            int sum = checksum(echo);
            echo[2] = (byte) (sum >> 8);
            echo[3] = (byte) sum;
            s.sendTo(echo, LOOPBACK, 0);
            long deadline = System.nanoTime() + 2_000_000_000L;
            Received reply = null;
            while (System.nanoTime() < deadline) {
                Received r = s.receive(200, false);
                if (r == null) continue;
                int ihl = (r.data()[0] & 0x0f) * 4;
                // the raw socket also sees our own request on loopback: the reply is type 0 with our id
                if (r.data()[ihl] == 0 && r.data()[ihl + 4] == 0x12 && r.data()[ihl + 5] == 0x34) {
                    reply = r;
                    break;
                }
            }
            assertThat(reply).isNotNull();
            assertThat(reply.from()).isEqualTo(LOOPBACK);
        }
    }

    @Test
    void aUdpSendToAClosedPortQueuesPortUnreachable() throws Exception {
        int closed;
        try (DatagramSocket d = new DatagramSocket(0, LOOPBACK)) {
            closed = d.getLocalPort();
        }
        try (NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP)) {
            s.enableErrorQueue();
            s.setTtl(7);
            s.sendTo(new byte[] {1, 2, 3}, LOOPBACK, closed);
            Received r = s.receive(2_000, true);
            assertThat(r).isNotNull();
            assertThat(r.error().errno()).isEqualTo(ErrnoException.ECONNREFUSED);
            assertThat(r.error().origin()).isEqualTo(ExtendedError.ORIGIN_ICMP);
            assertThat(r.error().type()).isEqualTo(3);
            assertThat(r.error().code()).isEqualTo(3);
            assertThat(r.error().offender()).isEqualTo(LOOPBACK);
            assertThat(r.data()).containsExactly(1, 2, 3); // the payload of the datagram that failed
        }
    }

    @Test
    void theTosOfAReceivedDatagramIsReported() throws Exception {
        try (NativeSocket rx = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP);
             NativeSocket tx = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP)) {
            rx.bind(LOOPBACK, 0);
            rx.enableReceiveTos();
            rx.enableReceiveTtl();
            tx.setTos(46 << 2);
            tx.setTtl(33);
            tx.sendTo(new byte[] {9}, LOOPBACK, rx.localAddress().getPort());
            Received r = rx.receive(2_000, false);
            assertThat(r).isNotNull();
            assertThat(r.tos() >> 2).isEqualTo(46);
            assertThat(r.ttl()).isEqualTo(33);
            assertThat(r.fromPort()).isEqualTo(tx.localAddress().getPort());
        }
    }

    @Test
    void aDatagramLargerThanTheLocalMtuWithDfIsRefused() throws Exception {
        try (NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP)) {
            s.setMtuDiscover(NativeSocket.IP_PMTUDISC_DO);
            s.connect(LOOPBACK, 9);
            int mtu = s.pathMtu();
            assertThat(mtu).isGreaterThanOrEqualTo(1280);
            try {
                s.sendTo(new byte[mtu], null, 0);
                throw new AssertionError("sent " + mtu + " bytes of payload with DF over an MTU of " + mtu);
            } catch (ErrnoException e) {
                assertThat(e.errno()).isEqualTo(ErrnoException.EMSGSIZE);
            }
        }
    }

    @Test
    void noTimeoutMeansNull() throws Exception {
        try (NativeSocket s = NativeSocket.open(false, NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP)) {
            s.bind(LOOPBACK, 0);
            long t0 = System.nanoTime();
            assertThat(s.receive(100, false)).isNull();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(90L, 1_000L);
        }
    }

    static int checksum(byte[] b) {
        long sum = 0;
        for (int i = 0; i + 1 < b.length; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        if (b.length % 2 == 1) sum += (b[b.length - 1] & 0xff) << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (int) (~sum & 0xffff);
    }
}
