package dev.vantage.measure.net;

import dev.vantage.measure.RunContext;
import dev.vantage.model.Json;

/** A child JVM's entry for {@link NetworkEngineTest}: runs one round to args[0]:args[1] (protocol args[2], default TCP) and prints it as JSON. */
public final class NetProbeMain {
    public static void main(String[] args) throws Exception {
        NetworkEngine.Spec spec = NetworkEngine.Spec.defaults(args[0], Integer.parseInt(args[1]));
        if (args.length > 2) spec = spec.withProtocol(args[2]);
        NetworkEngine.Result r = new NetworkEngine().run(spec, RunContext.withTimeoutMillis(60_000, "child"));
        System.out.println(Json.MAPPER.writeValueAsString(r));
    }
}
