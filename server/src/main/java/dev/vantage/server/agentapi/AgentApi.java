package dev.vantage.server.agentapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.model.agent.AgentProtocol;
import dev.vantage.model.agent.AgentProtocol.Hello;
import dev.vantage.model.agent.AgentProtocol.TaskBatch;
import dev.vantage.model.agent.AgentProtocol.TaskResult;
import dev.vantage.model.agent.AgentProtocol.Welcome;
import dev.vantage.server.ServerConfig;
import dev.vantage.server.dispatch.TaskSignals;
import dev.vantage.server.store.Store;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server side of the agent protocol ({@link AgentProtocol}): hello, task long-poll, result upload, plus the
 * reaper that turns overdue tasks into error records. Agents authenticate with their organization's agent token.
 * Everything it decides comes from the store, so several replicas can serve the same agents; the in-process
 * {@link #signals()} only makes dispatch fast, the periodic store re-check makes it correct.
 */
public final class AgentApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentApi.class);

    /** How often a waiting poll looks in the store for tasks no signal announced (other replicas, lease expiry). */
    static final Duration RECHECK = Duration.ofMillis(400);
    /** A task handed out this many times whose lease expired again is failed rather than handed out once more. */
    static final int MAX_ATTEMPTS = 3;
    static final Duration REAP_EVERY = Duration.ofSeconds(2);
    static final int DEFAULT_MAX_TASKS = 16;

    private final Store store;
    private final ServerConfig config;
    private final Clock clock;
    private final Doorbells doorbells = new Doorbells();
    /** Long-polls wait on virtual threads so a thousand waiting agents hold no server threads. */
    private final ExecutorService pollers = Executors.newVirtualThreadPerTaskExecutor();
    private ScheduledExecutorService reaper;
    private volatile boolean closed;
    /** The process is shutting down: the JVM's own hooks may close the embedded database under running polls. */
    private volatile boolean stopping;

    private final Duration recheck;

    public AgentApi(Store store, ServerConfig config, Clock clock) {
        this(store, config, clock, RECHECK);
    }

    /** {@code recheck}: how often a waiting poll looks in the store without a signal (tests stretch it). */
    AgentApi(Store store, ServerConfig config, Clock clock, Duration recheck) {
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.recheck = recheck;
    }

    public void register(Javalin app) {
        app.post("/agent/v1/hello", ctx -> guarded(ctx, () -> hello(ctx)));
        app.get("/agent/v1/tasks", ctx -> guarded(ctx, () -> tasks(ctx)));
        app.post("/agent/v1/results", ctx -> guarded(ctx, () -> results(ctx)));
        app.post("/agent/v1/bye", ctx -> guarded(ctx, () -> bye(ctx)));
    }

    /** Wake-ups for agents that have new tasks; the instant-test service calls it after its transaction. */
    public TaskSignals signals() {
        return doorbells;
    }

    /** Starts the reaper that fails overdue tasks. */
    public synchronized void start() {
        if (reaper != null) return;
        reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vantage-task-reaper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::reapSafely, REAP_EVERY.toMillis(), REAP_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Shutdown has begun; a database closed under a request is then expected, not worth a warning. */
    public void stopping() {
        stopping = true;
    }

    /** Stops the reaper and answers every waiting poll with 204 so the HTTP server can stop at once. */
    @Override
    public synchronized void close() {
        closed = true;
        if (reaper != null) {
            reaper.shutdownNow();
            reaper = null;
        }
        doorbells.ringAll();
        pollers.shutdown();
    }

    // ---- hello ---------------------------------------------------------------------------------------------

    private void hello(Context ctx) {
        Store.Organization org = organization(ctx);
        Hello hello = body(ctx, Hello.class);
        if (hello.name() == null || hello.name().isBlank()) {
            throw new ApiError(400, "hello: name is required");
        }
        checkLength("name", hello.name(), 200);
        checkLength("hostname", hello.hostname(), 255);
        checkLength("location", hello.location(), 255);
        checkLength("countryId", hello.countryId(), 8);
        checkLength("version", hello.version(), 64);
        if (hello.ipAddresses() != null) {
            if (hello.ipAddresses().size() > 64) throw new ApiError(400, "hello: more than 64 ipAddresses");
            for (String address : hello.ipAddresses()) {
                if (address == null || address.isBlank()) throw new ApiError(400, "hello: ipAddresses has an empty entry");
                checkLength("ipAddresses[]", address, 64);
            }
        }
        Store.Agent agent = store.upsertAgent(org.orgId(), new Store.AgentRegistration(hello.name().strip(),
                hello.hostname(), hello.ipAddresses() == null ? List.of() : hello.ipAddresses(), hello.location(),
                hello.countryId(), hello.version()), clock.instant());
        doorbells.bell(agent.agentId()).welcome();
        log.info("agent {} '{}' connected (org {}, host {}, addresses {})", agent.agentId(), agent.name(),
                org.orgId(), hello.hostname(), hello.ipAddresses());
        json(ctx, 200, new Welcome(agent.agentId(), agent.name(), (int) Math.max(1, config.pollWait().toSeconds())));
    }

    private static void checkLength(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw new ApiError(400, "hello: " + field + " is longer than " + max + " characters");
        }
    }

    // ---- task long-poll -------------------------------------------------------------------------------------

    private void tasks(Context ctx) {
        Store.Agent agent = agent(ctx, organization(ctx));
        Duration wait = Duration.ofSeconds(intParam(ctx, "wait", 0, 0, 3600));
        if (wait.compareTo(config.pollWait()) > 0) wait = config.pollWait();
        int max = intParam(ctx, "max", DEFAULT_MAX_TASKS, 1, 256);
        long waitNanos = wait.toNanos();
        int agentId = agent.agentId();
        ctx.future(() -> CompletableFuture.runAsync(() -> guarded(ctx, () -> {
            List<AgentProtocol.Task> tasks = poll(agentId, max, waitNanos);
            if (tasks.isEmpty()) {
                ctx.status(204);
            } else {
                json(ctx, 200, new TaskBatch(tasks));
            }
        }), pollers));
    }

    private List<AgentProtocol.Task> poll(int agentId, int max, long waitNanos) {
        long deadline = System.nanoTime() + waitNanos;
        Doorbells.Bell bell = doorbells.bell(agentId);
        // Seen as the poll starts and as it ends; not on every store re-check (that would be a write per 400 ms).
        store.touchAgent(agentId, clock.instant());
        long goodbyes = bell.goodbyes();
        try {
            while (true) {
                long seen = bell.rings();
                // The agent left (during this poll, or before it: a poll can overtake the goodbye on the wire);
                // nobody would run what we claimed, and the task would wait out its lease.
                if (bell.gone() || bell.goodbyes() != goodbyes) return List.of();
                Instant now = clock.instant();
                List<Store.Task> claimed = store.claimTasks(agentId, max, config.taskLease(), now);
                if (!claimed.isEmpty()) {
                    return toWire(claimed);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    store.touchAgent(agentId, clock.instant()); // seen again as the empty poll ends
                    return List.of();
                }
                bell.await(seen, Math.min(left, recheck.toNanos()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private List<AgentProtocol.Task> toWire(List<Store.Task> claimed) {
        List<AgentProtocol.Task> tasks = new ArrayList<>(claimed.size());
        for (Store.Task task : claimed) {
            Optional<Store.StoredTest> test = store.test(task.testId());
            if (test.isEmpty()) continue; // deleted between claim and now: its task went with it
            ObjectNode definition = definitionFor(test.get(), task.agentId());
            PairTasks.addPairing(definition, test.get(), task, store);
            tasks.add(new AgentProtocol.Task(task.taskId(), task.testId(), task.roundId(), task.type(),
                    definition, task.deadline().toEpochMilli()));
            log.debug("task {} (test {} round {}) handed to agent {}", task.taskId(), task.testId(),
                    task.roundId(), task.agentId());
        }
        return tasks;
    }

    /** What the agent runs: the stored definition, its secrets, and this agent's sourceIpAddress if the test set one. */
    static ObjectNode definitionFor(Store.StoredTest test, int agentId) {
        ObjectNode definition = test.definition() == null ? Json.MAPPER.createObjectNode() : test.definition().deepCopy();
        String sourceIp = sourceIp(definition.path("agents"), agentId);
        if (test.secrets() != null) {
            if (sourceIp == null) sourceIp = sourceIp(test.secrets().path("agents"), agentId);
            for (Iterator<Map.Entry<String, JsonNode>> it = test.secrets().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getKey().equals("agents")) definition.set(field.getKey(), field.getValue().deepCopy());
            }
        }
        if (sourceIp != null) definition.put("sourceIpAddress", sourceIp);
        return definition;
    }

    private static String sourceIp(JsonNode agents, int agentId) {
        for (JsonNode agent : agents) {
            if (agent.path("agentId").asInt(-1) == agentId && agent.path("sourceIpAddress").isTextual()) {
                return agent.path("sourceIpAddress").asText();
            }
        }
        return null;
    }

    /**
     * {@code POST /agent/v1/bye}: the agent is shutting down. A poll it abandoned would otherwise stay open on the
     * server (a closed client is not noticed while nothing is written) and could take the next task, which then
     * waits for its lease to expire.
     */
    private void bye(Context ctx) {
        Store.Agent agent = agent(ctx, organization(ctx));
        doorbells.bell(agent.agentId()).goodbye();
        log.info("agent {} '{}' said goodbye", agent.agentId(), agent.name());
        ctx.status(204);
    }

    // ---- results -------------------------------------------------------------------------------------------

    private void results(Context ctx) {
        Store.Agent agent = agent(ctx, organization(ctx));
        TaskResult result = body(ctx, TaskResult.class);
        Map<DataKind, List<ObjectNode>> records = new LinkedHashMap<>();
        if (result.records() != null) {
            for (Map.Entry<String, List<ObjectNode>> entry : result.records().entrySet()) {
                DataKind kind;
                try {
                    kind = DataKind.valueOf(entry.getKey());
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, "results: unknown data kind '" + entry.getKey() + "'");
                }
                List<ObjectNode> list = entry.getValue() == null ? List.of() : entry.getValue();
                if (list.stream().anyMatch(r -> r == null)) {
                    throw new ApiError(400, "results: records of " + kind + " must be JSON objects");
                }
                records.put(kind, list);
            }
        }
        Store.Task task = store.task(result.taskId())
                .orElseThrow(() -> new ApiError(404, "results: task " + result.taskId() + " does not exist"));
        if (task.agentId() != agent.agentId()) {
            throw new ApiError(409, "results: task " + task.taskId() + " belongs to another agent");
        }
        if (task.state() == Store.TaskState.DONE || task.state() == Store.TaskState.FAILED) {
            throw new ApiError(409, "results: task " + task.taskId() + " is already " + task.state());
        }
        if (records.isEmpty() && result.error() != null) {
            // The task could not run at all: the test's data endpoints still show why, per kind.
            Optional<Store.StoredTest> test = store.test(task.testId());
            records.putAll(TestKinds.errorRecords(
                    TestKinds.of(task.type(), test.map(Store.StoredTest::definition).orElse(null)),
                    "OTHER", result.error()));
        }
        Instant measuredAt = result.measuredAtMillis() > 0 ? Instant.ofEpochMilli(result.measuredAtMillis())
                : clock.instant();
        store.touchAgent(agent.agentId(), clock.instant());
        if (!store.completeTask(task.taskId(), agent.agentId(), measuredAt, records)) {
            throw new ApiError(409, "results: task " + task.taskId() + " is no longer open");
        }
        log.info("task {} (test {} round {}) reported by agent {}{}", task.taskId(), task.testId(), task.roundId(),
                agent.agentId(), result.error() == null ? "" : " with error: " + result.error());
        ctx.status(204);
    }

    // ---- reaper --------------------------------------------------------------------------------------------

    private void reapSafely() {
        try {
            reap();
        } catch (RuntimeException e) {
            log.warn("reaper: {}", e.toString());
        }
    }

    /** Fails tasks past their deadline (or whose lease expired too often) with an error record per data kind. */
    List<Store.Task> reap() {
        List<Store.Task> failed = store.failOverdueTasks(clock.instant(), MAX_ATTEMPTS, task -> {
            String agentName = store.agent(task.agentId()).map(Store.Agent::name).orElse("#" + task.agentId());
            long seconds = Math.max(1, Duration.between(task.createdAt(), task.deadline()).toSeconds());
            String details = task.attempts() >= MAX_ATTEMPTS && task.deadline().isAfter(clock.instant())
                    ? "agent " + agentName + " took the task " + task.attempts() + " times without reporting"
                    : "agent " + agentName + " did not report within " + seconds + " s";
            JsonNode definition = store.test(task.testId()).map(Store.StoredTest::definition).orElse(null);
            return TestKinds.errorRecords(TestKinds.of(task.type(), definition), "Timeout", details);
        });
        for (Store.Task task : failed) {
            log.info("task {} (test {} round {}) failed: agent {} did not report in time", task.taskId(),
                    task.testId(), task.roundId(), task.agentId());
        }
        return failed;
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    private Store.Organization organization(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "agent token required: Authorization: Bearer <organization agent token>");
        }
        return store.organizationByAgentToken(header.substring(7).strip()).orElseThrow(() -> {
            ctx.header("WWW-Authenticate", "Bearer");
            return new ApiError(401, "invalid agent token");
        });
    }

    private Store.Agent agent(Context ctx, Store.Organization org) {
        String header = ctx.header(AgentProtocol.AGENT_ID_HEADER);
        if (header == null || header.isBlank()) {
            throw new ApiError(400, AgentProtocol.AGENT_ID_HEADER + " header required (say hello first)");
        }
        int agentId;
        try {
            agentId = Integer.parseInt(header.strip());
        } catch (NumberFormatException e) {
            throw new ApiError(400, AgentProtocol.AGENT_ID_HEADER + " must be an integer, got '" + header + "'");
        }
        return store.agent(agentId).filter(a -> a.orgId() == org.orgId())
                .orElseThrow(() -> new ApiError(401, "agent " + agentId + " is not an agent of this organization"));
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) return fallback;
        try {
            int n = Integer.parseInt(value.strip());
            if (n < min || n > max) throw new ApiError(400, name + " must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw new ApiError(400, name + " must be an integer, got '" + value + "'");
        }
    }

    private static <T> T body(Context ctx, Class<T> type) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0) throw new ApiError(400, "request body is empty");
        try {
            T value = Json.MAPPER.readValue(bytes, type);
            if (value == null) throw new ApiError(400, "request body must be a JSON object");
            return value;
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "request body is not a valid " + type.getSimpleName() + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "cannot read request body: " + e.getMessage());
        }
    }

    private static void json(Context ctx, int status, Object value) {
        try {
            ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("errorMessage", message);
        json(ctx, status, body);
    }

    /** Errors leave in the v6 shape {"errorMessage": ...}; nothing unexpected leaves as a stack trace. */
    private void guarded(Context ctx, Runnable handler) {
        try {
            handler.run();
        } catch (ApiError e) {
            error(ctx, e.status, e.getMessage());
        } catch (RuntimeException e) {
            if (databaseUnavailable(e)) {
                // An outage or a shutdown in progress, not a bug: one line, and 503 so the agent retries.
                if (stopping || closed) {
                    log.debug("agent API {} {} during shutdown: {}", ctx.method(), ctx.path(), rootMessage(e));
                } else {
                    log.warn("agent API {} {}: database unavailable ({})", ctx.method(), ctx.path(), rootMessage(e));
                }
                error(ctx, 503, "database unavailable; retry shortly");
                return;
            }
            log.error("agent API {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + e.getClass().getSimpleName());
        }
    }

    private static boolean databaseUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLNonTransientConnectionException || t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof org.jdbi.v3.core.ConnectionException) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static final class ApiError extends RuntimeException {
        final int status;

        ApiError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
