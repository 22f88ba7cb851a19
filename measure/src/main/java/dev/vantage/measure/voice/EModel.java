package dev.vantage.measure.voice;

/**
 * The ITU-T G.107 E-model (06/2015 text; https://www.itu.int/rec/T-REC-G.107): R = Ro − Is − Id − Ie,eff + A, and
 * R → MOS by Annex B. Wideband codecs use the G.107.1 scale (Ro,WB = 129, MOS from R/1.29, Annex A).
 *
 * <p>Everything but the codec, the loss and the mouth-to-ear delay stays at the G.107 Table 3 default values (an
 * ordinary handset connection): Ro, Is and the listener-echo term Idle are computed from those defaults with the
 * Recommendation's own equations (giving R = 93.2 for G.711, the familiar figure). Talker echo (Idte) is taken as
 * fully controlled (T = 0 in the echo path, as with any echo canceller), so the delay impairment a stream adds is
 * G.107 §7.4's pure-delay term Idd of Ta, the mouth-to-ear delay. The advantage factor A is 0.
 */
public final class EModel {
    private EModel() {}

    // G.107 Table 3 default values.
    private static final double SLR = 8, RLR = 2, STMR = 15, LSTR = 18, DS = 3, TELR = 65, WEPL = 110,
            T = 0, TR = 0, QDU = 1, NC = -70, NFOR = -64, PS = 35, PR = 35;

    /** Total noise power No (G.107 eq. 7-3..7-7), dBm0p. */
    static final double NO;
    /** Basic signal-to-noise ratio Ro (eq. 7-2): 94.77 with the defaults. */
    public static final double RO;
    /** Simultaneous impairment Is = Iolr + Ist + Iq (eq. 7-8..7-17): 1.41 with the defaults. */
    public static final double IS;
    /** Listener-echo impairment Idle (eq. 7-25, 7-26) at Tr = 0: 0.15. */
    public static final double IDLE;
    /** Ro,WB of G.107.1 (eq. 7-1): the top of the wideband scale. */
    public static final double RO_WIDEBAND = 129;

    static {
        double olr = SLR + RLR;
        double nos = PS - SLR - DS - 100 + 0.004 * sq(PS - olr - DS - 14);
        double pre = PR + 10 * Math.log10(1 + Math.pow(10, (10 - LSTR) / 10));
        double nor = RLR - 121 + pre + 0.008 * sq(pre - 35);
        double nfo = NFOR + RLR;
        NO = 10 * Math.log10(Math.pow(10, NC / 10) + Math.pow(10, nos / 10) + Math.pow(10, nor / 10)
                + Math.pow(10, nfo / 10));
        RO = 15 - 1.5 * (SLR + NO);

        double xolr = olr + 0.2 * (64 + NO - RLR);
        double iolr = 20 * (Math.pow(1 + Math.pow(xolr / 8, 8), 1.0 / 8) - xolr / 8);
        double stmro = -10 * Math.log10(Math.pow(10, -STMR / 10) + Math.exp(-T / 4) * Math.pow(10, -TELR / 10));
        double ist = 12 * Math.pow(1 + Math.pow((stmro - 13) / 6, 8), 1.0 / 8)
                - 28 * Math.pow(1 + Math.pow((stmro + 1) / 19.4, 35), 1.0 / 35)
                - 13 * Math.pow(1 + Math.pow((stmro - 3) / 33, 13), 1.0 / 13) + 29;
        double q = 37 - 15 * Math.log10(QDU);
        double g = 1.07 + 0.258 * q + 0.0602 * q * q;
        double y = (RO - 100) / 15 + 46 / 8.4 - g / 9;
        double z = 46.0 / 30 - g / 40;
        double iq = 15 * Math.log10(1 + Math.pow(10, y) + Math.pow(10, z));
        IS = iolr + ist + iq;

        double ror = -1.5 * (NO - RLR);
        double rle = 10.5 * (WEPL + 7) * Math.pow(TR + 1, -0.25);
        IDLE = (ror - rle) / 2 + Math.sqrt(sq(ror - rle) / 4 + 169);
    }

    /**
     * Pure-delay impairment Idd (G.107 §7.4, eq. 7-27/7-28): 0 up to Ta = 100 ms, then
     * 25·{(1 + X⁶)^⅙ − 3·(1 + (X/3)⁶)^⅙ + 2} with X = log₂(Ta/100).
     *
     * @param taMillis absolute (mouth-to-ear) delay Ta in ms
     */
    public static double idd(double taMillis) {
        if (taMillis <= 100) return 0;
        double x = Math.log(taMillis / 100) / Math.log(2);
        return 25 * (Math.pow(1 + Math.pow(x, 6), 1.0 / 6) - 3 * Math.pow(1 + Math.pow(x / 3, 6), 1.0 / 6) + 2);
    }

    /**
     * Effective equipment impairment (G.107 eq. 7-29): Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl). G.107.1
     * (eq. 7-15) keeps 95 for wideband too.
     *
     * @param pplPercent packet loss in percent (jitter-buffer discards included)
     * @param burstR     burst ratio; 1 for random loss
     */
    public static double ieEff(double ie, double bpl, double pplPercent, double burstR) {
        if (pplPercent <= 0) return ie;
        return ie + (95 - ie) * pplPercent / (pplPercent / burstR + bpl);
    }

    /**
     * The rating R of a stream (on the wideband scale for wideband codecs).
     *
     * @param pplPercent       packets lost or discarded, percent
     * @param mouthToEarMillis Ta: one-way network delay + de-jitter buffer + packetisation and codec delay
     */
    public static double r(CodecProfile codec, double pplPercent, double mouthToEarMillis) {
        double id = IDLE + idd(mouthToEarMillis);
        double ieEff = ieEff(codec.ie(), codec.bpl(), pplPercent, 1);
        // G.107.1 eq. 7-2..7-4: Is,WB = 0 and the delay terms as in G.107.
        return codec.wideband() ? RO_WIDEBAND - id - ieEff : RO - IS - id - ieEff;
    }

    /** MOS of a stream: {@link #r} mapped by {@link #mos} (narrowband) or {@link #mosWideband}. */
    public static double mos(CodecProfile codec, double pplPercent, double mouthToEarMillis) {
        double r = r(codec, pplPercent, mouthToEarMillis);
        return codec.wideband() ? mosWideband(r) : mos(r);
    }

    /** The codec's best MOS: no loss and the default delays (Ta = 0). G.711: 4.41, G.729A: 4.10. */
    public static double maxMos(CodecProfile codec) {
        return mos(codec, 0, 0);
    }

    /**
     * G.107 Annex B (eq. B-4): MOS = 1 for R ≤ 0, 1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶ for 0 < R < 100, 4.5 for
     * R ≥ 100. The cubic dips just below 1 for 0 < R < 6.5; we keep MOS ≥ 1 there (the scale's floor).
     */
    public static double mos(double r) {
        if (r <= 0) return 1;
        if (r >= 100) return 4.5;
        return Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
    }

    /** G.107.1 Annex A: R_WB is mapped to MOS by the narrowband curve at R_WB / 1.29. */
    public static double mosWideband(double rWideband) {
        return mos(rWideband / 1.29);
    }

    private static double sq(double v) {
        return v * v;
    }
}
