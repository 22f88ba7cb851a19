package dev.vantage.measure.sip;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SipResponseTest {

    private static SipResponse parse(String s) throws Exception {
        return SipResponse.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void compactNamesFoldedLinesAndSeveralViasInOneHeader() throws Exception {
        SipResponse r = parse("\r\nSIP/2.0 401 Unauthorized\r\n"
                + "v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport=5060, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKother\r\n"
                + "i: call-1@host\r\n"
                + "CSeq:   2    REGISTER\r\n"
                + "WWW-Authenticate: Digest realm=\"pbx\",\r\n"
                + "   nonce=\"n1\",\r\n"
                + "\tqop=\"auth\"\r\n"
                + "l: 5\r\n\r\nhello");
        assertThat(r.code()).isEqualTo(401);
        assertThat(r.reason()).isEqualTo("Unauthorized");
        assertThat(r.topBranch()).isEqualTo("z9hG4bKabc");
        assertThat(r.header("call-id")).isEqualTo("call-1@host");
        assertThat(r.cseq()).isEqualTo("2 REGISTER");
        assertThat(r.header("www-authenticate")).isEqualTo("Digest realm=\"pbx\", nonce=\"n1\", qop=\"auth\"");
        assertThat(r.header("content-length")).isEqualTo("5");
        assertThat(r.body()).isEqualTo("hello");
        assertThat(DigestAuth.parse(r.header("www-authenticate")).qops()).containsExactly("auth");
    }

    @Test
    void bareLineFeedsAndAReasonWithSpaces() throws Exception {
        SipResponse r = parse("SIP/2.0 407 Proxy Authentication Required\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\n\n");
        assertThat(r.statusLine()).isEqualTo("SIP/2.0 407 Proxy Authentication Required");
        assertThat(r.topBranch()).isEqualTo("z9hG4bK1");
    }

    @Test
    void requestsAndGarbageAreRefused() {
        assertThatThrownBy(() -> parse("OPTIONS sip:x SIP/2.0\r\n\r\n")).isInstanceOf(SipProtocolException.class)
                .hasMessageStartingWith("not a SIP response: OPTIONS sip:x");
        assertThatThrownBy(() -> parse("SIP/2.0 200 OK\r\nno colon here\r\n\r\n")).isInstanceOf(SipProtocolException.class);
    }
}
