package dev.vantage.measure.voice;

import java.time.Instant;

/**
 * What the source of a stream did.
 *
 * @param packetsPlanned packets the stream should have had (duration × packet rate)
 * @param packetsSent    packets handed to the kernel
 * @param bytesSent      UDP payload bytes sent (RTP header, extension and codec payload)
 * @param firstSend      wall-clock time of the first packet, null when none was sent
 * @param lastSend       wall-clock time of the last packet, null when none was sent
 * @param ssrc           the stream's SSRC
 * @param maxLateMillis  the most any packet left after its scheduled time (scheduler stalls on this host)
 * @param error          why the stream is short or unmarked, or null
 */
public record SendReport(int packetsPlanned, int packetsSent, long bytesSent, Instant firstSend, Instant lastSend,
                         long ssrc, double maxLateMillis, String error) {}
