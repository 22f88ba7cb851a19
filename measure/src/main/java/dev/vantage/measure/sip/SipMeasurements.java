package dev.vantage.measure.sip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.NetworkMeasurements;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sip-server test type: the SIP probe, then the network layer to the same next hop. */
public final class SipMeasurements {
    private SipMeasurements() {}

    private static final SipServerEngine ENGINE = new SipServerEngine();

    public static Map<DataKind, List<ObjectNode>> run(ObjectNode definition, RunContext ctx) throws InterruptedException {
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        SipSpec spec = SipSpec.from(definition);
        out.put(DataKind.VOICE_SIP_SERVER, List.of(Json.MAPPER.valueToTree(ENGINE.run(spec, ctx))));
        // The definition's protocol is the SIP transport (UDP/TCP/TLS), not the network block's TCP/ICMP:
        // the network layer of a sip-server test probes with TCP.
        ObjectNode network = definition.deepCopy().put("protocol", "TCP");
        out.putAll(NetworkMeasurements.to(spec.nextHop(), spec.port(), network, ctx));
        return out;
    }
}
