package dev.vantage.measure.voice;

import dev.vantage.model.codes.Dscp;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code /v6/voice/rtp-stream} record (test-data.md §14), measured at the target agent, plus the counts behind
 * it. Everything but {@code serverIp}, {@code codecName} and {@code codecMaxMos} is null when no packet of the
 * stream arrived; {@code errorDetail} says why a field is null.
 *
 * @param serverIp         the target agent's address
 * @param mos              ITU-T G.107 E-model MOS of the received stream ({@link EModel})
 * @param codecName        the v6 codec label
 * @param codecMaxMos      the codec's MOS with no loss and default delays
 * @param loss             packets sent but never received, percent of the stream's packets
 * @param discards         packets received after their play-out time in the fixed de-jitter buffer, percent
 * @param latency          mean one-way delay, ms (whole ms, as v6)
 * @param pdv              RFC 5481 PDV: 99.9th percentile of one-way delay minus the minimum delay, ms
 * @param dscp             the DSCP the received packets carried
 * @param dscpName         its label, e.g. {@code EF (DSCP 46)}
 * @param errorDetail      why the stream or a field could not be measured
 * @param packetsExpected  the stream's packets (duration × packet rate)
 * @param packetsReceived  distinct packets that arrived
 * @param packetsDiscarded of those, packets too late for the buffer
 * @param duplicates       extra copies received
 * @param jitter           RFC 3550 §6.4.1 interarrival jitter, ms
 * @param rFactor          the E-model rating R behind {@code mos} (wideband scale for wideband codecs)
 */
public record RtpStreamRecord(String serverIp, Double mos, String codecName, Double codecMaxMos, Double loss,
                              Double discards, Integer latency, Double pdv, Integer dscp, String dscpName,
                              String errorDetail, Integer packetsExpected, Integer packetsReceived,
                              Integer packetsDiscarded, Integer duplicates, Double jitter, Double rFactor) {

    /**
     * The record for a stream's statistics: loss and discards in percent of the stream, and MOS from the E-model
     * with Ppl = loss + discards and Ta = mean one-way delay + jitter buffer + packetisation and codec delay.
     *
     * @param tosUnavailable why the DSCP is null when the receiver could not see it (null otherwise)
     * @param error          a failure to report as well, or null
     */
    public static RtpStreamRecord of(VoiceSpec spec, String serverIp, StreamStats s, String tosUnavailable, String error) {
        CodecProfile codec = spec.profile();
        double maxMos = round(EModel.maxMos(codec), 2);
        List<String> problems = new ArrayList<>();
        if (error != null) problems.add(error);
        if (s == null || s.received() == 0) {
            if (problems.isEmpty()) problems.add("no packet of the stream arrived");
            Double loss = s == null ? null : 100.0;
            return new RtpStreamRecord(serverIp, null, codec.codec().label(), maxMos, loss, null, null, null, null,
                    null, String.join("; ", problems), s == null ? null : s.expected(), s == null ? null : 0,
                    null, s == null ? null : s.duplicates(), null, null);
        }
        double loss = 100.0 * s.lost() / s.expected();
        double discards = 100.0 * s.discarded() / s.expected();
        double ta = Math.max(0, s.latencyMillis()) + spec.jitterBufferMillis() + codec.packetisationDelayMillis();
        double r = EModel.r(codec, loss + discards, ta);
        double mos = codec.wideband() ? EModel.mosWideband(r) : EModel.mos(r);
        if (s.latencyMillis() < 0) {
            problems.add("one-way delay came out negative: the clock offset between the agents is off by at least "
                    + Math.round(-s.latencyMillis()) + " ms");
        }
        Integer dscp = s.dscp();
        String dscpName = dscp == null ? null : Dscp.byId(dscp).map(Dscp::label).orElse("DSCP " + dscp);
        if (dscp == null && tosUnavailable != null) problems.add(tosUnavailable);
        return new RtpStreamRecord(serverIp, round(mos, 2), codec.codec().label(), maxMos, round(loss, 2),
                round(discards, 2), (int) Math.round(s.latencyMillis()), round(s.pdvMillis(), 3), dscp, dscpName,
                problems.isEmpty() ? null : String.join("; ", problems), s.expected(), s.received(), s.discarded(),
                s.duplicates(), s.jitterMillis() == null ? null : round(s.jitterMillis(), 3), round(r, 2));
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
