package dev.vantage.measure.a2a;

import dev.vantage.measure.RunContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;

/** One UDP and one TCP session against a private loopback responder, so the first real round runs warm code. */
public final class PairWarmup {
    private PairWarmup() {}

    public static void run() throws InterruptedException {
        byte[] token = new byte[16];
        new SecureRandom().nextBytes(token);
        ProbePacket.Key key = new ProbePacket.Key(token);
        try (Responder responder = Responder.open(0)) {
            responder.accept(key);
            InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), responder.port());
            for (String protocol : new String[] {"UDP", "TCP"}) {
                new PairSession(key, 0).run(target, protocol, null, 0, 1_000_000_000L,
                        RunContext.withTimeoutMillis(3_000, "warm-up"));
            }
        } catch (IOException e) {
            // no loopback port: the first round runs cold, nothing worse
        }
    }
}
