package dev.vantage.measure.voice;

import dev.vantage.model.codes.Codec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The E-model against published reference points (ITU-T G.107, G.113, G.107.1). */
class EModelTest {

    @Test
    void defaultParametersGiveTheFamiliarR() {
        // G.107: with every parameter at its default, Ro ≈ 94.77, Is ≈ 1.41, Id ≈ 0.15 and R = 93.2
        assertThat(EModel.RO).isCloseTo(94.77, within(0.01));
        assertThat(EModel.IS).isCloseTo(1.41, within(0.01));
        assertThat(EModel.IDLE).isCloseTo(0.15, within(0.01));
        CodecProfile g711 = CodecProfile.of(Codec.G711_64);
        assertThat(EModel.r(g711, 0, 0)).isCloseTo(93.2, within(0.01));
        assertThat(EModel.mos(93.2)).isCloseTo(4.41, within(0.005));
        assertThat(EModel.maxMos(g711)).isCloseTo(4.41, within(0.005));
    }

    @ParameterizedTest
    @CsvSource({"-5, 1.0", "0, 1.0", "50, 2.575", "60, 3.1", "70, 3.597", "80, 4.024", "90, 4.339", "100, 4.5", "120, 4.5"})
    void theStandardRToMosCurve(double r, double mos) {
        // G.107 Annex B: MOS = 1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶ on 0 < R < 100
        assertThat(EModel.mos(r)).isCloseTo(mos, within(0.0005));
    }

    @Test
    void g729aMaxIs82Point2AndMos4Point10() {
        CodecProfile g729a = CodecProfile.of(Codec.G729A_8);
        assertThat(EModel.r(g729a, 0, 0)).isCloseTo(82.2, within(0.01));
        assertThat(EModel.maxMos(g729a)).isCloseTo(4.10, within(0.005));
    }

    @ParameterizedTest
    @CsvSource({
            // codec, Ppl %, Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl + Bpl)
            "G711_64, 1, 3.640", "G711_64, 3, 10.142", "G711_64, 5, 15.781",
            "G729A_8, 1, 15.200", "G729A_8, 3, 22.455", "G729A_8, 5, 28.500",
            "G723_1_6_4, 1, 19.678", "G723_1_6_4, 3, 27.565", "G723_1_6_4, 5, 33.957"})
    void effectiveEquipmentImpairmentUnderRandomLoss(Codec codec, double ppl, double expected) {
        CodecProfile p = CodecProfile.of(codec);
        assertThat(EModel.ieEff(p.ie(), p.bpl(), ppl, 1)).isCloseTo(expected, within(0.001));
        // and R falls by exactly the increase of Ie,eff
        assertThat(EModel.r(p, 0, 0) - EModel.r(p, ppl, 0)).isCloseTo(EModel.ieEff(p.ie(), p.bpl(), ppl, 1) - p.ie(), within(1e-9));
    }

    @Test
    void burstyLossHurtsMoreThanRandom() {
        assertThat(EModel.ieEff(0, 25.1, 2, 2)).isGreaterThan(EModel.ieEff(0, 25.1, 2, 1));
    }

    @Test
    void delayBelow100msCostsNothingAndAbove100msFollowsIdd() {
        assertThat(EModel.idd(100)).isZero();
        CodecProfile g711 = CodecProfile.of(Codec.G711_64);
        assertThat(EModel.r(g711, 0, 99)).isEqualTo(EModel.r(g711, 0, 0));
        // Idd at Ta = 200 ms: X = 1 → 25·(2^⅙ − 3·(1 + 3⁻⁶)^⅙ + 2)
        double x1 = 25 * (Math.pow(2, 1.0 / 6) - 3 * Math.pow(1 + Math.pow(1.0 / 3, 6), 1.0 / 6) + 2);
        assertThat(EModel.idd(200)).isCloseTo(x1, within(1e-9)).isCloseTo(3.04, within(0.01));
        // G.114's planning curve: R falls by ~ 9 at 300 ms and ~ 21 at 400 ms of mouth-to-ear delay
        assertThat(EModel.idd(400)).isGreaterThan(EModel.idd(300)).isGreaterThan(EModel.idd(200));
    }

    @Test
    void widebandCodecsUseTheG1071Scale() {
        CodecProfile g722 = CodecProfile.of(Codec.G722_64);
        // R_WB = 129 − Id − Ie,WB = 129 − 0.15 − 13; MOS from R_WB/1.29
        assertThat(EModel.r(g722, 0, 0)).isCloseTo(129 - EModel.IDLE - 13, within(1e-9));
        assertThat(EModel.maxMos(g722)).isCloseTo(EModel.mos((129 - EModel.IDLE - 13) / 1.29), within(1e-9))
                .isCloseTo(4.33, within(0.01));
    }

    @Test
    void everyCodecHasAMaxMosInRangeAndLossLowersIt() {
        for (Codec c : Codec.values()) {
            CodecProfile p = CodecProfile.of(c);
            double max = EModel.maxMos(p);
            assertThat(max).as(c.label()).isBetween(3.5, 4.5);
            assertThat(EModel.mos(p, 1, 0)).as(c.label()).isLessThan(max);
            assertThat(EModel.mos(p, 5, 0)).as(c.label()).isLessThan(EModel.mos(p, 1, 0));
        }
    }
}
