package dev.vantage.measure.ftp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.net.NetworkMeasurements;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The ftp-server type: the FTP session, then the network layer to the same host and port. */
public final class FtpMeasurements {
    private FtpMeasurements() {}

    private static final FtpServerEngine ENGINE = new FtpServerEngine();

    public static Map<DataKind, List<ObjectNode>> run(JsonNode definition, RunContext ctx) throws InterruptedException {
        Map<DataKind, List<ObjectNode>> out = new LinkedHashMap<>();
        FtpSpec spec = FtpSpec.from(definition);
        out.put(DataKind.WEB_FTP_SERVER, List.of(Json.MAPPER.valueToTree(ENGINE.run(spec, ctx))));
        FtpServerEngine.Target target;
        try {
            target = FtpServerEngine.Target.parse(spec.url());
        } catch (IllegalArgumentException e) {
            return out; // the record already says why
        }
        out.putAll(NetworkMeasurements.to(target.host(), target.port(), definition, ctx));
        return out;
    }
}
