package dev.vantage.model.codes;

import java.util.Arrays;
import java.util.Optional;

/** Voice codecs accepted as {@code codecId} and their v6 {@code codec} labels (test-metadata.md §5.2). */
public enum Codec {
    G711_64(0, "G.711 @ 64 Kbps"),
    G722_1_24(1, "G.722.1 @ 24 Kbps (WB)"),
    G722_1_32(2, "G.722.1 @ 32 Kbps (WB)"),
    G726_32(3, "G.726 @ 32 Kbps"),
    G723_1_6_4(4, "G.723.1 @ 6.4 Kbps"),
    G729A_8(5, "G.729a @ 8 Kbps"),
    RTAUDIO_45(6, "RTAudio @ 45 Kbps (WB)"),
    RTAUDIO_27_8(7, "RTAudio @ 27.8 Kbps"),
    SILK_36(8, "SILK @ 36 Kbps (WB)"),
    G722_64(9, "G.722 @ 64 Kbps (WB)");

    private final int id;
    private final String label;

    Codec(int id, String label) {
        this.id = id;
        this.label = label;
    }

    public int id() { return id; }
    public String label() { return label; }

    public static Optional<Codec> byId(int id) {
        return Arrays.stream(values()).filter(c -> c.id == id).findFirst();
    }
}
