package dev.vantage.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.a2a.AgentToAgent;
import dev.vantage.measure.dns.DnsMeasurements;
import dev.vantage.measure.ftp.FtpMeasurements;
import dev.vantage.measure.http.HttpServerEngine;
import dev.vantage.measure.http.HttpSpec;
import dev.vantage.measure.net.NetworkMeasurements;
import dev.vantage.measure.sip.SipMeasurements;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import okhttp3.HttpUrl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs the engine for a test type on a stored test definition; what the agent's runner calls. */
public final class Measurements {
    private Measurements() {}

    private static final HttpServerEngine HTTP = new HttpServerEngine();

    /**
     * @param type       test type wire name, e.g. {@code http-server}
     * @param definition the test definition as stored by the server, secrets included
     * @return records per data kind, without the common fields the server adds
     */
    public static Map<DataKind, List<ObjectNode>> run(String type, ObjectNode definition, RunContext ctx)
            throws InterruptedException {
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        switch (type) {
            case "http-server" -> {
                HttpSpec spec = HttpSpec.from(definition);
                out.put(DataKind.WEB_HTTP_SERVER, List.of(tree(HTTP.run(spec, ctx))));
                HttpUrl url = HttpUrl.parse(spec.url());
                if (url != null) {
                    // the network layer probes the same target the fetch used
                    String host = spec.dnsOverride() != null ? spec.dnsOverride() : url.host();
                    out.putAll(NetworkMeasurements.to(host, url.port(), definition, ctx));
                }
            }
            case "sip-server" -> out.putAll(SipMeasurements.run(definition, ctx));
            case "ftp-server" -> out.putAll(FtpMeasurements.run(definition, ctx));
            case "agent-to-server" -> out.putAll(NetworkMeasurements.agentToServer(definition, ctx));
            case "dns-server", "dns-trace", "dns-dnssec" -> out.putAll(DnsMeasurements.run(type, definition, ctx));
            case "agent-to-agent" -> out.putAll(AgentToAgent.run(definition, ctx));
            case "voice" -> out.putAll(dev.vantage.measure.a2a.PairVoice.run(definition, ctx));
            default -> throw new IllegalArgumentException("no engine for test type " + type);
        }
        return out;
    }

    private static ObjectNode tree(Object record) {
        return Json.MAPPER.valueToTree(record);
    }
}
