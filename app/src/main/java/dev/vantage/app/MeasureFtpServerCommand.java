package dev.vantage.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code vantage measure ftp-server}: one FTP, FTPS or SFTP session, printed as the /v6/web/ftp-server record. */
@Command(name = "ftp-server", mixinStandardHelpOptions = true,
        description = {"FTP/FTPS/SFTP session timings: DNS, connect, negotiation (banner, TLS, login), wait, transfer.",
                "ftp:// tries AUTH TLS and goes on in clear if refused (--explicit-ftps requires it), ftps:// is implicit FTPS."})
final class MeasureFtpServerCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "ftp://, ftps:// or sftp:// URL: a file to download, a directory to list or upload to")
    String url;

    @Option(names = "--request-type", paramLabel = "TYPE", defaultValue = "Download",
            description = "Download, Upload or List (default ${DEFAULT-VALUE})")
    String requestType;

    @Option(names = {"-u", "--user"}, defaultValue = "anonymous", description = "username (default ${DEFAULT-VALUE})")
    String user;

    @Option(names = {"-p", "--password"}, defaultValue = "vantage@", description = "password (default ${DEFAULT-VALUE})")
    String password;

    @Option(names = "--active", description = "Active mode: the server connects back for data (useActiveFtp=1)")
    boolean active;

    @Option(names = "--explicit-ftps", description = "Require AUTH TLS (useExplicitFtps=1)")
    boolean explicitFtps;

    @Option(names = "--limit", paramLabel = "BYTES", description = "downloadLimit: stop a download after BYTES; an upload's size")
    Long limit;

    @Option(names = "--time-limit", paramLabel = "SECONDS", description = "ftpTimeLimit, 10-60 (default 10)")
    Integer timeLimit;

    @Mixin
    MeasureCommand.Common common = new MeasureCommand.Common();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ObjectNode body = Json.MAPPER.createObjectNode().put("url", url).put("requestType", requestType)
                .put("username", user).put("password", password);
        if (active) body.put("useActiveFtp", 1);
        if (explicitFtps) body.put("useExplicitFtps", 1);
        if (limit != null) body.put("downloadLimit", limit);
        if (timeLimit != null) body.put("ftpTimeLimit", timeLimit);
        return MeasureCommand.run("ftp-server", body, common, spec.commandLine().getOut());
    }
}
