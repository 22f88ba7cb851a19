package dev.vantage.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.voice.NativeDatagramReceiver;
import dev.vantage.measure.voice.RtpStreamRecord;
import dev.vantage.measure.voice.VoiceMeasurements;
import dev.vantage.measure.voice.VoiceSpec;
import dev.vantage.measure.voice.VoiceStreamEngine;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * The voice (RTP stream) test run by hand between two hosts: {@code vantage voice-receiver} on the target,
 * {@code vantage measure voice} on the source, sharing a 16-byte token. The receiver measures the stream, prints
 * the record and returns it to the sender in one summary datagram (no larger than the smallest packet it received).
 */
final class VoiceCommands {
    private VoiceCommands() {}

    /** Options both ends must agree on. */
    static final class StreamOptions {
        @Option(names = "--codec", paramLabel = "ID", description = "codecId (default 0 = G.711; 0-9, see README)")
        int codec = 0;

        @Option(names = "--duration", paramLabel = "SECONDS", description = "Stream length, 5-30 (default 5)")
        int duration = 5;

        @Option(names = "--jitter-buffer", paramLabel = "MS", description = "De-jitter buffer, 0-150 ms (default 40)")
        int jitterBuffer = 40;

        @Option(names = "--token", paramLabel = "HEX", description = "The stream's 16-byte token, 32 hex digits")
        String token;

        @Option(names = "--json", description = "Print the record as JSON instead of the report")
        boolean json;

        ObjectNode definition() {
            return Json.MAPPER.createObjectNode().put("codecId", codec).put("duration", duration).put("jitterBuffer", jitterBuffer);
        }

        byte[] token() {
            try {
                byte[] t = HexFormat.of().parseHex(token);
                if (t.length != 16) throw new IllegalArgumentException();
                return t;
            } catch (IllegalArgumentException e) {
                throw new Main.UsageError("--token wants 32 hex digits (16 bytes), got '" + token + "'");
            }
        }
    }

    static VoiceSpec spec(ObjectNode definition) {
        try {
            return VoiceSpec.from(definition);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
    }

    static int print(RtpStreamRecord record, boolean json, PrintWriter out) throws IOException {
        ObjectNode tree = Json.MAPPER.valueToTree(record);
        if (json) out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
        else out.print(report(tree));
        out.flush();
        return record.mos() == null ? 1 : 0;
    }

    /** Aligned "name  value unit" lines like {@link dev.vantage.measure.Report}, with MOS to two decimals. */
    static String report(ObjectNode record) {
        StringBuilder out = new StringBuilder(DataKind.VOICE_RTP_STREAM.path()).append('\n');
        int width = 0;
        for (var it = record.fieldNames(); it.hasNext(); ) width = Math.max(width, it.next().length());
        for (var e : record.properties()) {
            String name = e.getKey();
            var v = e.getValue();
            String text = v.isFloatingPointNumber() ? new java.math.BigDecimal(v.asText()).stripTrailingZeros().toPlainString() : v.asText();
            String unit = switch (name) {
                case "loss", "discards" -> " %";
                case "latency", "pdv", "jitter" -> " ms";
                default -> "";
            };
            out.append("  ").append(name).append(" ".repeat(width - name.length())).append("  ").append(text).append(unit).append('\n');
        }
        return out.toString();
    }

    @Command(name = "voice", mixinStandardHelpOptions = true,
            description = {"Sends an RTP stream to a voice receiver (vantage voice-receiver, or an agent's responder) "
                    + "and prints the receiver's measurement: loss, discards, latency, PDV and MOS (ITU-T G.107 E-model).",
                    "Latency assumes both hosts' clocks agree (same host or NTP)."})
    static final class Measure implements Callable<Integer> {
        @Option(names = "--target", required = true, paramLabel = "HOST[:PORT]", description = "The receiver (default port 49152)")
        String target;

        @Option(names = "--dscp", paramLabel = "ID", description = "dscpId to mark the packets with (default 46 = EF)")
        int dscp = 46;

        @Option(names = "--source-ip", paramLabel = "ADDRESS", description = "Send from this local address")
        String sourceIp;

        @picocli.CommandLine.Mixin
        StreamOptions stream = new StreamOptions();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (stream.token == null) throw new Main.UsageError("--token is required: the token the receiver printed or was given");
            ObjectNode d = stream.definition().put("server", target).put("dscpId", dscp);
            if (sourceIp != null) d.put("sourceIpAddress", sourceIp);
            VoiceSpec voice = spec(d);
            RunContext ctx = RunContext.withTimeoutMillis(voice.durationSeconds() * 1000L + 10_000, "vantage-cli");
            return print(new VoiceStreamEngine(stream.token()).run(voice, ctx), stream.json, spec.commandLine().getOut());
        }
    }

    @Command(name = "voice-receiver", mixinStandardHelpOptions = true,
            description = {"Receives one voice test stream (vantage measure voice) on a UDP port, prints its record "
                    + "and returns it to the sender in one summary datagram. Packets without the token are dropped "
                    + "unanswered.", "Codec, duration and jitter buffer must match the sender's."})
    static final class Receiver implements Callable<Integer> {
        @Option(names = "--port", paramLabel = "PORT", description = "UDP port (default 49152)")
        int port = VoiceSpec.DEFAULT_PORT;

        @Option(names = "--address", paramLabel = "ADDRESS", description = "Local address to listen on (default: all)")
        String address;

        @Option(names = "--wait", paramLabel = "SECONDS", description = "How long to wait for the stream (default 120)")
        int waitSeconds = 120;

        @picocli.CommandLine.Mixin
        StreamOptions stream = new StreamOptions();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (stream.token == null) {
                byte[] t = new byte[16];
                new SecureRandom().nextBytes(t);
                stream.token = HexFormat.of().formatHex(t);
            }
            byte[] token = stream.token();
            ObjectNode d = stream.definition().put("port", port);
            if (address != null) d.put("server", address);
            VoiceSpec voice = spec(d);
            InetAddress bind = address == null ? null : InetAddress.getByName(address);
            try (NativeDatagramReceiver in = NativeDatagramReceiver.open(bind, port, Clock.systemUTC())) {
                out.println("listening on " + in.localAddress() + " for one " + voice.codec().label()
                        + " stream, token " + stream.token);
                out.flush();
                RunContext ctx = RunContext.withTimeoutMillis(waitSeconds * 1000L, "voice-receiver");
                VoiceMeasurements.StandaloneResult result = VoiceMeasurements.receiveAndReply(in, voice, token, ctx);
                if (result.received().sender() != null) {
                    out.println("stream from " + result.received().sender() + (result.replied()
                            ? ", summary sent back" : ", no summary sent (larger than the smallest packet received)"));
                }
                return print(result.received().record(), stream.json, out);
            }
        }
    }
}
