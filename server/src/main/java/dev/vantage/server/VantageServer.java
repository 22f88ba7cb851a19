package dev.vantage.server;

import dev.vantage.model.catalogue.TestCatalogue;
import dev.vantage.server.agentapi.AgentApi;
import dev.vantage.server.api.V6Api;
import dev.vantage.server.api.Views;
import dev.vantage.server.auth.Authenticator;
import dev.vantage.server.limits.RateLimiter;
import dev.vantage.server.results.DataService;
import dev.vantage.server.store.Store;
import dev.vantage.server.store.Stores;
import dev.vantage.server.tests.InstantTestService;
import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/**
 * The controller: opens the store, seeds it on first start, serves the v6 API and the agent protocol on one
 * Javalin (Jetty, virtual threads) server. It never measures; it records.
 */
public final class VantageServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VantageServer.class);
    /** Result rows (one per round and agent) per data page unless the system property vantage.pageRows says. */
    static final int PAGE_ROWS = 200;

    private final ServerConfig config;
    private final Store store;
    private final AgentApi agentApi;
    private final Javalin app;
    private final Optional<Bootstrap.FirstStart> firstStart;
    private volatile String boundUrl;

    private VantageServer(ServerConfig config, Bootstrap.AdminSeed seed) {
        this.config = config;
        Clock clock = Clock.systemUTC();
        this.store = Stores.open(config);
        try {
            this.firstStart = Bootstrap.seedIfEmpty(store, seed, config);
            Views views = new Views(store, this::baseUrl, config.agentOfflineAfter());
            this.agentApi = new AgentApi(store, config, clock);
            V6Api v6 = new V6Api(store, new Authenticator(store, clock),
                    new RateLimiter(store, clock, config.rateLimitsEnabled()),
                    new InstantTestService(store, new TestCatalogue(), agentApi.signals(), clock),
                    new DataService(store, views, clock, Integer.getInteger("vantage.pageRows", PAGE_ROWS)), views, clock);
            this.app = Javalin.create(c -> {
                c.useVirtualThreads = true;
                c.showJavalinBanner = false;
                c.http.defaultContentType = "application/json;charset=UTF-8";
                // one line per request at debug
                c.requestLogger.http((ctx, ms) -> log.debug("{} {} -> {} in {} ms ({})",
                        ctx.method(), ctx.path(), ctx.statusCode(), String.format("%.1f", ms), ctx.ip()));
            });
            v6.register(app);
            agentApi.register(app);
            app.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                ctx.status(500).contentType("application/json;charset=UTF-8")
                        .result("{\"errorMessage\":\"internal error\"}");
            });
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Opens the store, seeds it if empty, and starts serving. */
    public static VantageServer start(ServerConfig config, Bootstrap.AdminSeed seed) {
        VantageServer server = new VantageServer(config, seed);
        server.app.start(config.host(), config.port());
        server.boundUrl = "http://" + hostForUrl(config.host()) + ":" + server.app.port();
        server.agentApi.start();
        log.info("Vantage server listening on {} (store: {}){}", server.boundUrl,
                config.jdbcUrl() == null ? "H2 in " + config.dataDir().toAbsolutePath() : config.jdbcUrl().replaceAll("\\?.*", ""),
                config.baseUrl() != null ? ", external base URL " + config.baseUrl() : "");
        return server;
    }

    private static String hostForUrl(String host) {
        if (host == null || host.isBlank() || host.equals("0.0.0.0")) return "127.0.0.1";
        if (host.equals("::")) return "[::1]";
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    public int port() {
        return app.port();
    }

    /** The externally visible base URL (apiLinks, pages.next): the configured one, else the bound address. */
    public String baseUrl() {
        String base = config.baseUrl() != null ? config.baseUrl() : boundUrl;
        return base != null && base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** Where a process on this host reaches the server (the built-in agent connects here). */
    public String loopbackUrl() {
        return boundUrl;
    }

    public Store store() {
        return store;
    }

    public ServerConfig config() {
        return config;
    }

    /** The credentials created by this start, when it was the first. */
    public Optional<Bootstrap.FirstStart> firstStart() {
        return firstStart;
    }

    public String agentToken() {
        return Bootstrap.agentToken(store);
    }

    /** Called first thing in a shutdown hook, before agents are stopped, so the shutdown logs stay quiet. */
    public void stopping() {
        agentApi.stopping();
    }

    @Override
    public void close() {
        agentApi.close();
        app.stop();
        store.close();
        log.info("Vantage server stopped");
    }
}
