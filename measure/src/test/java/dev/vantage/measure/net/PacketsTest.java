package dev.vantage.measure.net;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The probe and ICMP byte layouts, on hand-made packets. */
class PacketsTest {

    /** ICMP time exceeded with an RFC 4950 MPLS object: 8-byte header, original datagram, extension structure. */
    static byte[] timeExceededWithMpls(int lengthWords, long... entries) {
        int original = 128;
        int objectLength = 4 + 4 * entries.length;
        byte[] b = new byte[8 + original + 4 + objectLength];
        b[0] = 11;
        b[5] = (byte) lengthWords;
        int ext = 8 + original;
        b[ext] = 0x20; // version 2
        Packets.put16(b, ext + 4, objectLength);
        b[ext + 6] = 1; // class MPLS label stack
        b[ext + 7] = 1; // c-type incoming stack
        for (int i = 0; i < entries.length; i++) Packets.put32(b, ext + 8 + 4 * i, entries[i]);
        return b;
    }

    static long entry(int label, int tc, int s, int ttl) {
        return ((long) label << 12) | ((long) tc << 9) | ((long) s << 8) | ttl;
    }

    @Test
    void mplsLabelsAreReadFromRfc4884Extensions() {
        byte[] one = timeExceededWithMpls(32, entry(24013, 0, 1, 1));
        assertThat(Packets.mplsLabels(one, 0, one.length)).isEqualTo("L=24013,E=0,S=1,T=1");
        byte[] two = timeExceededWithMpls(32, entry(16, 5, 0, 254), entry(1048575, 7, 1, 1));
        assertThat(Packets.mplsLabels(two, 0, two.length)).isEqualTo("L=16,E=5,S=0,T=254;L=1048575,E=7,S=1,T=1");
    }

    @Test
    void preRfc4884RoutersWithAZeroLengthFieldAreReadAt128Bytes() {
        byte[] legacy = timeExceededWithMpls(0, entry(300, 0, 1, 64));
        assertThat(Packets.mplsLabels(legacy, 0, legacy.length)).isEqualTo("L=300,E=0,S=1,T=64");
    }

    @Test
    void noExtensionNoLabels() {
        byte[] plain = new byte[8 + 28];
        plain[0] = 11;
        assertThat(Packets.mplsLabels(plain, 0, plain.length)).isNull();
        byte[] notVersion2 = timeExceededWithMpls(32, entry(1, 0, 1, 1));
        notVersion2[8 + 128] = 0x10;
        assertThat(Packets.mplsLabels(notVersion2, 0, notVersion2.length)).isNull();
    }

    @Test
    void echoRequestsOfOneFlowShareTheirChecksum() {
        int first = Packets.u16(Packets.echoRequest(4242, 0, 56), 2);
        for (int seq = 1; seq < 2000; seq += 7) {
            byte[] p = Packets.echoRequest(4242, seq, 56);
            assertThat(Packets.u16(p, 2)).isEqualTo(first);
            assertThat(Packets.checksum(p, 0, p.length, 0)).isZero(); // and it is a valid checksum
        }
    }

    @Test
    void aSynCarriesAValidChecksumOverThePseudoHeader() throws Exception {
        Inet4Address src = (Inet4Address) InetAddress.getByName("10.0.0.1"), dst = (Inet4Address) InetAddress.getByName("10.0.0.2");
        byte[] syn = Packets.tcpSyn(src, 40000, dst, 80, 0xfffffffeL);
        long pseudo = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 20;
        assertThat(Packets.checksum(syn, 0, syn.length, pseudo)).isZero();
        assertThat(syn[13]).isEqualTo((byte) Packets.TCP_SYN);
        assertThat(Packets.u32(syn, 4)).isEqualTo(0xfffffffeL);
    }

    @Test
    void lossThatDoesNotPersistIsSignificantOnlyWithEnoughProbes() {
        assertThat(PathTracer.significantlyMoreLoss(3, 9, 0, 9)).isTrue();
        assertThat(PathTracer.significantlyMoreLoss(1, 3, 0, 3)).isFalse();
        assertThat(PathTracer.significantlyMoreLoss(20, 100, 18, 100)).isFalse();
        assertThat(PathTracer.significantlyMoreLoss(0, 9, 0, 9)).isFalse();
    }
}
