package dev.vantage.measure.dns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.NetworkMeasurements;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The DNS family's entry from {@code Measurements}: the stored definition → the engine's spec → records. */
public final class DnsMeasurements {
    private DnsMeasurements() {}

    private static final DnsServerEngine SERVER = new DnsServerEngine();
    private static final DnsTraceEngine TRACE = new DnsTraceEngine();
    private static final DnsSecEngine DNSSEC = new DnsSecEngine();

    public static Map<DataKind, List<ObjectNode>> run(String type, ObjectNode definition, RunContext ctx)
            throws InterruptedException {
        DnsQuestion question = DnsQuestion.parse(definition.path("domain").asText());
        boolean tcp = "TCP".equalsIgnoreCase(definition.path("dnsTransportProtocol").asText("UDP"));
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        switch (type) {
            case "dns-server" -> {
                List<DnsServerRecord> records = SERVER.run(serverSpec(definition, question, tcp), ctx);
                out.put(DataKind.DNS_SERVER, records.stream().map(DnsMeasurements::tree).toList());
                for (DnsServerRecord r : records) {
                    // the network layer probes each server that could be reached at its DNS port (TCP 53)
                    String target = r.serverIp() != null ? r.serverIp() : r.server();
                    NetworkMeasurements.to(target, DnsExchange.PORT, definition, ctx).forEach((kind, list) ->
                            out.computeIfAbsent(kind, k -> new ArrayList<>()).addAll(list));
                }
            }
            case "dns-trace" -> out.put(DataKind.DNS_TRACE,
                    List.of(tree(TRACE.run(new DnsTraceEngine.Spec(question, tcp, DnsExchange.PORT), ctx))));
            case "dns-dnssec" -> out.put(DataKind.DNS_DNSSEC,
                    List.of(tree(DNSSEC.run(new DnsSecEngine.Spec(question, DnsExchange.PORT), ctx))));
            default -> throw new IllegalArgumentException("not a DNS test type: " + type);
        }
        return out;
    }

    /**
     * Runs the DNS query path ~{@value #WARM_UPS} times against an in-process UDP responder on loopback, so that
     * dnsjava's class loading, its I/O thread start and the first JIT compilations do not land inside the first
     * real resolution time (a cold first query costs tens of milliseconds). Nothing from these runs is reported.
     */
    public static void warmUp() {
        try (DatagramSocket responder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread answering = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[1500];
                while (!responder.isClosed()) {
                    try {
                        DatagramPacket in = new DatagramPacket(buf, buf.length);
                        responder.receive(in);
                        Message query = new Message(Arrays.copyOf(in.getData(), in.getLength()));
                        Message answer = new Message(query.getHeader().getID());
                        answer.getHeader().setFlag(Flags.QR);
                        answer.addRecord(query.getQuestion(), Section.QUESTION);
                        answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 60,
                                InetAddress.getLoopbackAddress()), Section.ANSWER);
                        byte[] out = answer.toWire();
                        responder.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            // the engine's own path, two servers at once as a test with several servers runs
            String loopback = InetAddress.getLoopbackAddress().getHostAddress();
            DnsServerEngine.Spec spec = new DnsServerEngine.Spec(DnsQuestion.parse("warm-up.invalid A"),
                    List.of(new DnsServerEngine.Server(1, loopback), new DnsServerEngine.Server(2, loopback)),
                    false, true, responder.getLocalPort());
            for (int i = 0; i < WARM_UPS; i++) SERVER.run(spec, RunContext.withTimeoutMillis(1_000, "warm-up"));
            responder.close();
            answering.join(1000);
        } catch (IOException e) {
            // no loopback socket: the first real query is just slower
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final int WARM_UPS = 40;

    /** {@code dnsServers} as stored: [{serverId, serverName}]; a server without an id gets its 1-based position. */
    static DnsServerEngine.Spec serverSpec(JsonNode d, DnsQuestion question, boolean tcp) {
        List<DnsServerEngine.Server> servers = new ArrayList<>();
        JsonNode list = d.path("dnsServers");
        for (int i = 0; i < list.size(); i++) {
            JsonNode s = list.get(i);
            servers.add(new DnsServerEngine.Server(s.path("serverId").asInt(i + 1), s.path("serverName").asText()));
        }
        return new DnsServerEngine.Spec(question, servers, tcp, d.path("recursiveQueries").asInt(1) == 1, DnsExchange.PORT);
    }

    private static ObjectNode tree(Object record) {
        return Json.MAPPER.valueToTree(record);
    }
}
