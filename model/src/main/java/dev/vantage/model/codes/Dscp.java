package dev.vantage.model.codes;

import java.util.Arrays;
import java.util.Optional;

/**
 * DSCP code points accepted as {@code dscpId} (test-metadata.md §5.1) and their v6 labels
 * {@code "<name> (DSCP <id>)"}; only 0 and 46 are confirmed spellings, the rest are the standard PHB names.
 */
public enum Dscp {
    BEST_EFFORT(0, "Best Effort"),
    CS1(8, "CS1"), AF11(10, "AF11"), AF12(12, "AF12"), AF13(14, "AF13"),
    CS2(16, "CS2"), AF21(18, "AF21"), AF22(20, "AF22"), AF23(22, "AF23"),
    CS3(24, "CS3"), AF31(26, "AF31"), AF32(28, "AF32"), AF33(30, "AF33"),
    CS4(32, "CS4"), AF41(34, "AF41"), AF42(36, "AF42"), AF43(38, "AF43"),
    CS5(40, "CS5"), VOICE_ADMIT(44, "VOICE-ADMIT"), EF(46, "EF"),
    CS6(48, "CS6"), CS7(56, "CS7");

    private final int id;
    private final String name;

    Dscp(int id, String name) {
        this.id = id;
        this.name = name;
    }

    public int id() { return id; }

    /** The v6 {@code dscp} label, e.g. {@code "EF (DSCP 46)"}. */
    public String label() { return name + " (DSCP " + id + ")"; }

    public static Optional<Dscp> byId(int id) {
        return Arrays.stream(values()).filter(d -> d.id == id).findFirst();
    }
}
