package dev.vantage.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.measure.Measurements;
import dev.vantage.measure.RunContext;
import dev.vantage.measure.Warmup;
import dev.vantage.model.DataKind;
import dev.vantage.model.agent.AgentProtocol.Hello;
import dev.vantage.model.agent.AgentProtocol.Task;
import dev.vantage.model.agent.AgentProtocol.TaskResult;
import dev.vantage.model.agent.AgentProtocol.Welcome;
import dev.vantage.model.catalogue.TestType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The agent process: says hello (retrying while the server is unreachable), then long-polls for tasks, runs each
 * on a virtual thread (at most {@code concurrency} at once) through {@link Measurements#run} and uploads the
 * records. A task that throws still yields an upload with its error, so the server records why.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    static final int MAX_POLL_SECONDS = 25;
    /** How long close() lets running tasks finish and upload. */
    static final Duration GRACE = Duration.ofSeconds(5);
    /** Time kept back from a task's deadline for uploading its result. */
    static final Duration UPLOAD_MARGIN = Duration.ofSeconds(2);

    /** Why the session ended; {@code null} while it runs or after a clean close. */
    public sealed interface Outcome {
        record Closed() implements Outcome {}
        record Refused(String reason) implements Outcome {}
    }

    private final AgentSettings settings;
    private final ServerClient client;
    private final Clock clock;
    private TaskObserver observer = TaskObserver.NONE;
    private final Semaphore slots;
    private final ExecutorService runners = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final CountDownLatch connected = new CountDownLatch(1);
    private final List<String> addresses;
    private final String hostname;
    private volatile Thread session;
    private volatile int agentId = -1;
    private volatile Outcome outcome;

    public Agent(AgentSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /** An agent whose task events go to {@code observer} (benchmarks). */
    public Agent(AgentSettings settings, TaskObserver observer) {
        this(settings, Clock.systemUTC());
        this.observer = observer;
    }

    public Agent(AgentSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.client = new ServerClient(settings);
        this.slots = new Semaphore(settings.concurrency());
        this.addresses = HostInfo.addresses();
        this.hostname = HostInfo.hostname();
    }

    /** Starts the session on its own thread and returns at once. */
    public synchronized Agent start() {
        if (session != null) throw new IllegalStateException("agent already started");
        session = Thread.ofPlatform().name("vantage-agent-" + settings.name()).daemon(false).start(this::runSession);
        return this;
    }

    /** The id the server gave this agent, or -1 before the first successful hello. */
    public int agentId() {
        return agentId;
    }

    /** Waits up to {@code patience} for the first successful hello; the agent id, or -1 if it did not happen. */
    public int awaitConnected(Duration patience) throws InterruptedException {
        connected.await(patience.toMillis(), TimeUnit.MILLISECONDS);
        return agentId;
    }

    /** Waits until the session ends (close() or the server refusing the agent) and says why. */
    public Outcome awaitEnd() throws InterruptedException {
        ended.await();
        return outcome;
    }

    /**
     * Stops cleanly: says goodbye (so the server hands this agent no more tasks), lets the session end, gives
     * running tasks a short grace period to finish and upload, then interrupts what is left (the server re-issues
     * those tasks when their lease expires).
     */
    @Override
    public void close() {
        if (stopping()) {
            awaitQuietly();
            return;
        }
        stopping.countDown();
        int id = agentId;
        if (id > 0) {
            try {
                client.bye(id);
            } catch (IOException e) {
                log.debug("goodbye to {} failed: {}", settings.serverUrl(), e.toString());
            }
        }
        Thread thread = session;
        if (thread != null) {
            try {
                thread.join(2000); // the abandoned poll now ends with 204 within milliseconds
                if (thread.isAlive()) {
                    client.cancelAll();
                    thread.interrupt(); // it may be waiting for a free slot while tasks run
                    thread.join(5000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        runners.shutdown();
        try {
            if (!runners.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.info("interrupting tasks still running after {} s", GRACE.toSeconds());
                runners.shutdownNow();
                runners.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        if (outcome == null) outcome = new Outcome.Closed();
        log.info("agent '{}' stopped", settings.name());
        ended.countDown();
    }

    private void awaitQuietly() {
        try {
            ended.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean stopping() {
        return stopping.getCount() == 0;
    }

    /** Sleeps for a pacing interval unless close() comes first; returns false when stopping. */
    private boolean pause(Duration duration) {
        try {
            return !stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void runSession() {
        try {
            Warmup.run();
            while (!stopping()) {
                Welcome welcome = hello();
                if (welcome == null) break;
                if (!pollLoop(welcome)) break;
            }
        } finally {
            if (outcome == null && stopping()) outcome = new Outcome.Closed();
            if (outcome != null) ended.countDown();
        }
    }

    /** Hello until the server answers; null when stopping or when the server refuses this agent for good. */
    private Welcome hello() {
        Hello hello = new Hello(settings.name(), AgentSettings.VERSION, hostname, addresses, settings.location(),
                settings.countryId(), Arrays.stream(TestType.values()).filter(TestType::engineBuilt)
                .map(TestType::wireName).toList());
        Duration backoff = FIRST_BACKOFF;
        int failures = 0;
        while (!stopping()) {
            try {
                Welcome welcome = client.hello(hello);
                agentId = welcome.agentId();
                connected.countDown();
                log.info("connected to {} as agent {} '{}' (host {}, addresses {})", settings.serverUrl(),
                        welcome.agentId(), welcome.agentName(), hostname, addresses);
                return welcome;
            } catch (ServerClient.Refused e) {
                if (e.status >= 400 && e.status < 500) {
                    log.error("server {} refused agent '{}': {}", settings.serverUrl(), settings.name(),
                            e.getMessage());
                    outcome = new Outcome.Refused(e.getMessage());
                    return null;
                }
                failures++;
                log.warn("server {} failed hello ({}); retrying in {} ms", settings.serverUrl(), e.getMessage(),
                        backoff.toMillis());
            } catch (IOException e) {
                if (stopping()) return null;
                // Log the first failure and then every tenth, so a long outage does not flood the log.
                if (failures++ % 10 == 0) {
                    log.warn("server {} unreachable ({}); retrying in {} ms", settings.serverUrl(), e.toString(),
                            backoff.toMillis());
                }
            }
            if (!pause(backoff)) return null;
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        return null;
    }

    /** Polls until stopping (false) or until the session must say hello again (true). */
    private boolean pollLoop(Welcome welcome) {
        // Stay under the 30 s idle timeout HTTP servers and proxies commonly apply to a silent connection.
        Duration wait = Duration.ofSeconds(Math.clamp(welcome.pollSeconds(), 1, MAX_POLL_SECONDS));
        while (!stopping()) {
            int held;
            try {
                slots.acquire(); // wait for a free slot before asking for work
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            held = 1 + drainSlots();
            List<Task> tasks;
            try {
                tasks = client.poll(welcome.agentId(), wait, held);
            } catch (ServerClient.Refused e) {
                slots.release(held);
                if (stopping()) return false;
                if (e.status == 401 || e.status == 403) {
                    log.warn("server no longer accepts agent {} ({}); saying hello again", welcome.agentId(),
                            e.getMessage());
                    return true;
                }
                log.warn("task poll failed: {}", e.getMessage());
                if (!pause(Duration.ofSeconds(1))) return false;
                continue;
            } catch (IOException e) {
                slots.release(held);
                if (stopping()) return false;
                log.warn("lost the server {} ({}); reconnecting", settings.serverUrl(), e.toString());
                if (!pause(FIRST_BACKOFF)) return false;
                return true;
            }
            slots.release(held - tasks.size());
            for (Task task : tasks) {
                try {
                    runners.execute(() -> {
                        try {
                            runAndUpload(welcome.agentId(), task);
                        } finally {
                            slots.release();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    slots.release(); // closing: the server re-issues the task when its lease expires
                    log.info("task {} not started: agent stopping", task.taskId());
                }
            }
        }
        return false;
    }

    private int drainSlots() {
        return slots.drainPermits();
    }

    private void runAndUpload(int agentId, Task task) {
        long measuredAt = clock.millis();
        long started = System.nanoTime();
        log.info("task {} for test {} ({}) round {} started", task.taskId(), task.testId(), task.type(),
                task.roundId());
        TaskResult result;
        observer.started(task);
        try {
            long budget = Math.max(1000, task.deadlineMillis() - measuredAt - UPLOAD_MARGIN.toMillis());
            RunContext ctx = new RunContext(started + budget * 1_000_000L, clock, settings.name(), settings.engineOptions());
            Map<DataKind, List<ObjectNode>> records = Measurements.run(task.type(), task.definition(), ctx);
            Map<String, List<ObjectNode>> byName = new LinkedHashMap<>();
            records.forEach((kind, list) -> byName.put(kind.name(), list));
            result = new TaskResult(task.taskId(), measuredAt, byName, null);
            log.info("task {} for test {} round {} finished in {} ms", task.taskId(), task.testId(),
                    task.roundId(), (System.nanoTime() - started) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.info("task {} for test {} round {} interrupted (agent stopping)", task.taskId(), task.testId(),
                    task.roundId());
            return;
        } catch (Exception | LinkageError | StackOverflowError e) {
            String error = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            log.warn("task {} for test {} round {} failed after {} ms: {}", task.taskId(), task.testId(),
                    task.roundId(), (System.nanoTime() - started) / 1_000_000, error);
            result = new TaskResult(task.taskId(), measuredAt, Map.of(), "agent could not run the test: " + error);
        }
        observer.uploading(task);
        upload(agentId, task, result);
    }

    /** Uploads with a few retries while the server is briefly unreachable; a refusal is final. */
    private void upload(int agentId, Task task, TaskResult result) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                client.upload(agentId, result);
                return;
            } catch (ServerClient.Refused e) {
                if (e.status < 500) {
                    log.warn("result of task {} refused: {}", task.taskId(), e.getMessage());
                    return;
                }
                log.warn("upload of task {} failed (attempt {}): {}", task.taskId(), attempt, e.getMessage());
            } catch (IOException e) {
                log.warn("upload of task {} failed (attempt {}): {}", task.taskId(), attempt, e.toString());
            }
            if (attempt >= 6 || clock.millis() + backoff.toMillis() > task.deadlineMillis() || !pause(backoff)) {
                log.warn("giving up on the result of task {}; the server will record a timeout", task.taskId());
                return;
            }
            backoff = backoff.multipliedBy(2);
        }
    }
}
