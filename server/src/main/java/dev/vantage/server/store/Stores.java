package dev.vantage.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.vantage.server.ServerConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Opens the store the configuration names and brings its schema up to date (Flyway) before handing it out. */
public final class Stores {
    private Stores() {}

    private static final Pattern CURRENT_SCHEMA = Pattern.compile("[?&]currentSchema=([A-Za-z_][A-Za-z0-9_]*)");

    /** {@code config.jdbcUrl()} null: the embedded H2 file database under {@code config.dataDir()} (created). */
    public static Store open(ServerConfig config) {
        if (config.jdbcUrl() != null) {
            return open(config.jdbcUrl(), config.dbUser(), config.dbPassword());
        }
        if (config.dataDir() == null) {
            throw new IllegalArgumentException("no database: give a JDBC URL or a data directory");
        }
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + config.dataDir(), e);
        }
        return open(h2Url(config.dataDir()), config.dbUser(), config.dbPassword());
    }

    /**
     * The embedded database of a data directory. AUTO_SERVER lets a second process (e.g. {@code vantage agent-token
     * --data DIR}) open it while the server runs; LOCK_TIMEOUT rides out short row-lock waits between threads;
     * WRITE_DELAY=0 writes every commit to the file at once (H2's default holds commits in memory for up to a
     * second, so a killed server would lose work it had already answered 201 for).
     */
    public static String h2Url(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("vantage")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000;WRITE_DELAY=0";
    }

    /**
     * Opens any H2 or PostgreSQL URL. A PostgreSQL {@code currentSchema=} parameter names the schema Flyway
     * creates (when absent) and migrates.
     */
    public static Store open(String jdbcUrl, String user, String password) {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("JDBC URL is empty");
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl);
        if (user != null) hikari.setUsername(user);
        if (password != null) hikari.setPassword(password);
        hikari.setPoolName("vantage-store");
        hikari.setMaximumPoolSize(10);
        hikari.setMinimumIdle(2);
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot connect to database " + withoutParameters(jdbcUrl) + ": "
                    + rootMessage(e), e);
        }
        try {
            FluentConfiguration flyway = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration");
            currentSchema(jdbcUrl).ifPresent(schema -> flyway.schemas(schema).defaultSchema(schema).createSchemas(true));
            flyway.load().migrate();
            return new JdbiStore(dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** The URL without its parameters, which may hold a password. */
    static String withoutParameters(String jdbcUrl) {
        int cut = jdbcUrl.startsWith("jdbc:h2:") ? jdbcUrl.indexOf(';') : jdbcUrl.indexOf('?');
        return cut < 0 ? jdbcUrl : jdbcUrl.substring(0, cut);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    static Optional<String> currentSchema(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) return Optional.empty();
        Matcher m = CURRENT_SCHEMA.matcher(jdbcUrl);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
