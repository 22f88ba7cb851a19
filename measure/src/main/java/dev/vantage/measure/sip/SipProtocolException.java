package dev.vantage.measure.sip;

import java.io.IOException;

/** The peer sent something that is not a well-formed SIP response. */
final class SipProtocolException extends IOException {
    SipProtocolException(String message) {
        super(message);
    }
}
