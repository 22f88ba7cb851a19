package dev.vantage.measure.voice;

import dev.vantage.model.codes.Codec;

/**
 * How a codec is put on the wire (RTP payload type, clock rate, packet interval, bit rate) and what the E-model
 * needs to know about it (equipment impairment {@code Ie}, packet-loss robustness {@code Bpl}, algorithmic delay).
 *
 * <p>Packetisation follows RFC 3551 (RTP/AVP) where the codec has a static payload type, and the codec's own RTP
 * payload RFC otherwise; payload bytes per packet are the codec's real bit rate × packet interval (rates that do
 * not give whole bytes alternate sizes so the average rate is exact, see {@link #payloadBytes(int)}).
 *
 * <p>Impairment constants: narrowband codecs on the G.107 scale from ITU-T G.113 Appendix I (Ie: Table I.1,
 * Bpl: Table I.3, "provisional planning values"); wideband codecs on the G.107.1 scale (Ro,WB = 129) with
 * {@code Ie,WB} from G.113 Appendix IV. {@link #provisional} marks values that no ITU-T table gives for that codec
 * (a stand-in chosen by codec class) or that we could not check against the Recommendation's text; the README
 * lists them.
 *
 * @param payloadType      RTP payload type: static where RFC 3551 assigns one, dynamic (96+) otherwise
 * @param clockRate        RTP timestamp clock in Hz
 * @param packetMillis     packet interval (media time per packet)
 * @param bitRate          codec bit rate in bit/s (payload only)
 * @param lookaheadMillis  algorithmic delay beyond the frames in the packet (look-ahead, filter delay)
 * @param ie               equipment impairment factor (Ie, or Ie,WB for wideband)
 * @param bpl              packet-loss robustness factor (Bpl) for random loss
 * @param wideband         true: R is on the G.107.1 wideband scale and mapped to MOS by R/1.29
 * @param provisional      true when Ie or Bpl is a stand-in rather than a published value for this codec
 * @param source           where the constants come from, for the README and for humans reading a record
 */
public record CodecProfile(Codec codec, int payloadType, int clockRate, int packetMillis, int bitRate,
                           double lookaheadMillis, double ie, double bpl, boolean wideband, boolean provisional,
                           String source) {

    /** RTP timestamp units per packet. */
    public int timestampStep() {
        return clockRate / 1000 * packetMillis;
    }

    /** Packets per second. */
    public double packetsPerSecond() {
        return 1000.0 / packetMillis;
    }

    /** Packets in a stream of {@code seconds}. */
    public int packetCount(int seconds) {
        return seconds * 1000 / packetMillis;
    }

    /**
     * Payload bytes of packet {@code index}: the bytes the codec produced in that interval at its bit rate. For
     * rates that are not whole bytes per packet (RTAudio 27.8k: 69.5 bytes per 20 ms) sizes alternate so that
     * the bytes sent after n packets are floor(n × rate × interval / 8).
     */
    public int payloadBytes(int index) {
        long bitsPerPacket = (long) bitRate * packetMillis; // bit·ms
        long before = bitsPerPacket * index / 8000;
        long after = bitsPerPacket * (index + 1L) / 8000;
        return (int) (after - before);
    }

    /** Media delay the codec adds before the network: the frames of one packet plus look-ahead. */
    public double packetisationDelayMillis() {
        return packetMillis + lookaheadMillis;
    }

    public static CodecProfile of(Codec codec) {
        return switch (codec) {
            // RFC 3551 §4.5.14 PCMU: static PT 0, 8 kHz clock, 8 bits a sample → 160 bytes per 20 ms (50 pps).
            // G.113 Table I.1: Ie = 0; Table I.3: Bpl = 25.1 for G.711 with the PLC of G.711 Appendix I, random loss
            // (measured with 10 ms packets; we send the usual 20 ms). Max MOS 4.41 as the v6 example shows.
            case G711_64 -> new CodecProfile(codec, 0, 8000, 20, 64_000, 0, 0, 25.1, false, false,
                    "G.113 App. I Tables I.1 (Ie 0), I.3 (Bpl 25.1, G.711 + App. I PLC); RFC 3551 §4.5.14");
            // RFC 5577 (G.722.1 payload): dynamic PT, 16 kHz clock, one 20 ms frame (320 samples) per packet,
            // 24 kbit/s → 60 bytes; the MLT window gives 20 ms look-ahead (G.722.1 §1: 40 ms algorithmic delay).
            // Ie,WB: G.113 App. IV lists G.722.1; our values 19 (24k) / 13 (32k) could not be checked against the
            // table text here. No Bpl,WB is published for it: 19.0 (G.729A's, a codec with built-in frame erasure
            // concealment) stands in.
            case G722_1_24 -> new CodecProfile(codec, 96, 16000, 20, 24_000, 20, 19, 19.0, true, true,
                    "Ie,WB 19 (G.113 App. IV, unverified); Bpl stand-in 19.0; RFC 5577");
            case G722_1_32 -> new CodecProfile(codec, 97, 16000, 20, 32_000, 20, 13, 19.0, true, true,
                    "Ie,WB 13 (G.113 App. IV, unverified); Bpl stand-in 19.0; RFC 5577");
            // RFC 3551 §4.5.4 G726-32: dynamic PT (the old static PT 2 is retired), 8 kHz clock, 4 bits a sample
            // → 80 bytes per 20 ms. G.113 Table I.1: Ie = 7. Table I.3 gives no Bpl for G.726; as a waveform codec
            // concealed in the sample domain we use G.711 + PLC's 25.1.
            case G726_32 -> new CodecProfile(codec, 98, 8000, 20, 32_000, 0, 7, 25.1, false, true,
                    "G.113 App. I Table I.1 (Ie 7); Bpl stand-in 25.1 (G.711 + PLC); RFC 3551 §4.5.4");
            // RFC 3551 §4.5.3 G723: static PT 4, 8 kHz clock, one 30 ms frame per packet; the 6.3 kbit/s mode
            // sends 24-byte frames, i.e. 6.4 kbit/s on the wire (the v6 label). 7.5 ms look-ahead (G.723.1 §2).
            // G.113 Table I.1: Ie = 15 (6.3 kbit/s); Table I.3: Bpl = 16.1 (G.723.1 + VAD, random loss).
            case G723_1_6_4 -> new CodecProfile(codec, 4, 8000, 30, 6_400, 7.5, 15, 16.1, false, false,
                    "G.113 App. I Tables I.1 (Ie 15), I.3 (Bpl 16.1); RFC 3551 §4.5.3");
            // RFC 3551 §4.5.6 G729: static PT 18, 8 kHz clock, 10-byte 10 ms frames, two per 20 ms packet → 20 bytes;
            // 5 ms look-ahead (G.729 §2). G.113 Table I.1: Ie = 11 (G.729A + VAD); Table I.3: Bpl = 19.0 (20 ms
            // packets, random loss). R max = 93.2 − 11 = 82.2 → MOS 4.10.
            case G729A_8 -> new CodecProfile(codec, 18, 8000, 20, 8_000, 5, 11, 19.0, false, false,
                    "G.113 App. I Tables I.1 (Ie 11), I.3 (Bpl 19.0); RFC 3551 §4.5.6");
            // Microsoft RTAudio ([MS-RTA]): dynamic PT, 16 kHz clock in wideband mode, 20 ms frames. No ITU-T
            // value exists for it: Ie,WB 13 (G.722's) and Bpl 19.0 (G.729A's) stand in. Look-ahead unknown (0).
            case RTAUDIO_45 -> new CodecProfile(codec, 99, 16000, 20, 45_000, 0, 13, 19.0, true, true,
                    "no ITU-T value: Ie,WB 13 (as G.722), Bpl 19.0 (as G.729A); [MS-RTA]");
            // RTAudio narrowband: 8 kHz clock, 20 ms, 27.8 kbit/s → 69.5 bytes a packet (alternating 69/70).
            // No ITU-T value: Ie 11 and Bpl 19.0 of G.729A (a CELP codec with concealment) stand in.
            case RTAUDIO_27_8 -> new CodecProfile(codec, 100, 8000, 20, 27_800, 0, 11, 19.0, false, true,
                    "no ITU-T value: Ie 11, Bpl 19.0 (as G.729A); [MS-RTA]");
            // SILK (draft-spittka-silk-payload-format): dynamic PT, clock = sampling rate (16 kHz wideband), 20 ms
            // frames, 5 ms look-ahead. No ITU-T value: Ie,WB 13 (as G.722), Bpl 19.0 (as G.729A) stand in.
            case SILK_36 -> new CodecProfile(codec, 101, 16000, 20, 36_000, 5, 13, 19.0, true, true,
                    "no ITU-T value: Ie,WB 13 (as G.722), Bpl 19.0 (as G.729A); draft-spittka-silk-payload-format");
            // RFC 3551 §4.5.2 G722: static PT 9 with an 8 kHz RTP clock although it samples at 16 kHz (the
            // RFC 1890 error kept for compatibility) → 160 timestamp units and 160 bytes per 20 ms. G.113 App. IV:
            // Ie,WB = 13 for G.722 at 64 kbit/s (one vendor manual quotes 14). No Bpl,WB is published; as a
            // waveform (SB-ADPCM) codec we use G.711 + PLC's 25.1. 1.5 ms QMF filter delay (G.722 §1).
            case G722_64 -> new CodecProfile(codec, 9, 8000, 20, 64_000, 1.5, 13, 25.1, true, true,
                    "G.113 App. IV (Ie,WB 13); Bpl stand-in 25.1 (G.711 + PLC); RFC 3551 §4.5.2");
        };
    }
}
