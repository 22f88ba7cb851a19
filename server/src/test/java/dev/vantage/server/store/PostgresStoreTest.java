package dev.vantage.server.store;

import dev.vantage.server.ServerConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * The store contract on PostgreSQL at 127.0.0.1:5432, database {@code test}. Each test works in a schema of its
 * own (created by Flyway from {@code currentSchema}, dropped afterwards), since other suites share the database.
 */
class PostgresStoreTest extends StoreContractTest {

    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String USER = "postgres";

    private String schema;

    @Override
    protected void createDatabase() {
        schema = "vantage_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @Override
    protected Store openStore() {
        // through ServerConfig, as `vantage server --db-url` does
        ServerConfig config = ServerConfig.defaults(Path.of("unused"))
                .withDatabase(SERVER + "?currentSchema=" + schema, USER, null);
        return Stores.open(config);
    }

    @Override
    protected void dropDatabase() throws Exception {
        try (Connection c = DriverManager.getConnection(SERVER, USER, null); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
