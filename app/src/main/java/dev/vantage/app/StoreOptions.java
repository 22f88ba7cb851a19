package dev.vantage.app;

import dev.vantage.server.ServerConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the store is: the embedded database's directory, or a PostgreSQL URL (`up`, `server`, `agent-token`). */
final class StoreOptions {
    @Option(names = "--data", defaultValue = "./data", paramLabel = "DIR",
            description = "Directory of the embedded database (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--db-url", paramLabel = "JDBC_URL",
            description = "PostgreSQL JDBC URL (e.g. jdbc:postgresql://db:5432/vantage) instead of the embedded database")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "${env:VANTAGE_DB_USER}", description = "Database user (default: $VANTAGE_DB_USER)")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "${env:VANTAGE_DB_PASSWORD}",
            description = "Database password (default: $VANTAGE_DB_PASSWORD)")
    String dbPassword;

    /** Default settings on this store; a --db-url that is not a JDBC URL is a usage error. */
    ServerConfig config() {
        if (dbUrl != null && !dbUrl.startsWith("jdbc:")) {
            throw new Main.UsageError("--db-url must be a JDBC URL (jdbc:postgresql://host:5432/db), got '" + dbUrl + "'");
        }
        return ServerConfig.defaults(data).withDatabase(dbUrl, dbUser, dbPassword);
    }
}
