package dev.vantage.measure.sip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.model.Json;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * Runs the SIP engine against a throwaway loopback UDP responder that answers OPTIONS with 200 and challenges
 * REGISTER once (401, then 200 to the authenticated retry), so that
 * class loading and the first JIT compilations of the SIP path are not timed in a real measurement (part of
 * {@link dev.vantage.measure.Warmup}). Nothing from these runs is reported.
 */
public final class SipWarmup {
    private SipWarmup() {}

    public static void run(int rounds) throws IOException, InterruptedException {
        try (DatagramSocket responder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread answering = Thread.ofVirtual().start(() -> answer(responder));
            ObjectNode d = Json.MAPPER.createObjectNode().put("sipRegistrar", "127.0.0.1")
                    .put("port", responder.getLocalPort()).put("protocol", "UDP").put("registerEnabled", 1)
                    .put("user", "warm-up").put("password", "warm-up");
            SipSpec spec = SipSpec.from(d);
            SipServerEngine engine = new SipServerEngine();
            for (int i = 0; i < rounds; i++) engine.run(spec, RunContext.withTimeoutMillis(1_000, "warm-up"));
            responder.close();
            answering.join(1_000);
        }
    }

    /** Echoes each request's Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2) in a 200, or a 401 to a bare REGISTER. */
    private static void answer(DatagramSocket socket) {
        byte[] buffer = new byte[8192];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                continue;
            }
            String request = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            boolean challenge = request.startsWith("REGISTER ") && !request.contains("\r\nAuthorization:");
            StringBuilder reply = new StringBuilder(challenge ? "SIP/2.0 401 Unauthorized\r\n" : "SIP/2.0 200 OK\r\n");
            if (challenge) reply.append("WWW-Authenticate: Digest realm=\"warm-up\", nonce=\"0\", qop=\"auth\"\r\n");
            for (String line : request.split("\r\n")) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("via:") || lower.startsWith("from:") || lower.startsWith("call-id:")
                        || lower.startsWith("cseq:")) {
                    reply.append(line).append("\r\n");
                } else if (lower.startsWith("to:")) {
                    reply.append(line).append(";tag=warm\r\n");
                }
            }
            byte[] out = reply.append("Content-Length: 0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
            try {
                socket.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // the engine's run times out; nothing is reported anyway
            }
        }
    }
}
