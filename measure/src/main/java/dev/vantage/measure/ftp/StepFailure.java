package dev.vantage.measure.ftp;

import java.io.IOException;

/** A step the server refused with a reply (not a broken connection): the step, the reply code and its text. */
final class StepFailure extends IOException {
    final Timeline.Step step;
    final Integer code;

    StepFailure(Timeline.Step step, Integer code, String message) {
        super(message);
        this.step = step;
        this.code = code;
    }
}
