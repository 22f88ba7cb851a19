package dev.vantage.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.HostPort;
import dev.vantage.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vantage measure sip-server}: the SIP probe alone, as a sip-server instant test would run it. */
@Command(name = "sip-server", mixinStandardHelpOptions = true,
        description = "SIP server probe: OPTIONS (and REGISTER with --register) with digest authentication; prints "
                + "DNS, connect, wait, response, OPTIONS, REGISTER and total times and the final response code.")
final class MeasureSipCommand implements Callable<Integer> {
    @Option(names = "--target", required = true, paramLabel = "HOST[:PORT]",
            description = "The SIP server (sipRegistrar and port); port 5060, or 5061 with TLS, when absent")
    String target;

    @Option(names = "--protocol", paramLabel = "UDP|TCP|TLS", description = "Transport (default TCP, as in v6)")
    String protocol;

    @Option(names = "--user", paramLabel = "USER", description = "SIP user to send as and to register (default: vantage)")
    String user;

    @Option(names = "--auth-user", paramLabel = "NAME", description = "Digest user name when it differs from --user")
    String authUser;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "Digest password, to answer 401/407 challenges")
    String password;

    @Option(names = "--register", description = "Also REGISTER (registerEnabled=1)")
    boolean register;

    @Option(names = "--proxy", paramLabel = "HOST", description = "Outbound proxy to send through (sipProxy)")
    String proxy;

    @Option(names = "--time-limit", paramLabel = "SECONDS", description = "sipTimeLimit, 5-10 (default 5)")
    Integer timeLimit;

    @Option(names = "--options-regex", paramLabel = "REGEX",
            description = "optionsRegex: the OPTIONS response must match this instead of being a 2xx")
    String optionsRegex;

    @Mixin
    MeasureCommand.Common common = new MeasureCommand.Common();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String proto = protocol == null ? "TCP" : protocol.toUpperCase(Locale.ROOT);
        HostPort hostPort;
        try {
            hostPort = HostPort.parse(target);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError("--target: " + e.getMessage());
        }
        String host = hostPort.host();
        Integer port = hostPort.port();
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode credentials = body.putObject("targetSipCredentials")
                .put("sipRegistrar", host).put("port", port != null ? port : proto.equals("TLS") ? 5061 : 5060)
                .put("protocol", proto);
        if (user != null) credentials.put("user", user);
        if (authUser != null) credentials.put("authUser", authUser);
        if (password != null) credentials.put("password", password);
        if (proxy != null) credentials.put("sipProxy", proxy);
        if (register) body.put("registerEnabled", 1);
        if (timeLimit != null) body.put("sipTimeLimit", timeLimit);
        if (optionsRegex != null) body.put("optionsRegex", optionsRegex);
        return MeasureCommand.run("sip-server", body, common, spec.commandLine().getOut());
    }
}
