package dev.vantage.server.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The durable store: everything correct lives here, so several server replicas can share one PostgreSQL.
 * One implementation ({@link JdbiStore}) runs on H2 (embedded, default) and PostgreSQL with the same migrations.
 * Methods that change several rows do it in one transaction.
 * <p>Instants are kept to the millisecond. Unknown ids give {@link Optional#empty()}, {@code false} or no effect;
 * a caller's mistake the database refuses (a duplicate e-mail or agent token, a reference to an organization,
 * account group, agent, user or role that does not exist, a missing required name) is an
 * {@link IllegalArgumentException} with a clear message, never a SQL exception.
 */
public interface Store extends AutoCloseable {

    // ---- organizations, account groups, users, roles ------------------------------------------------------

    record Organization(int orgId, String name, String agentToken, int orgRateLimit, int instantRateLimit) {}

    record AccountGroup(int aid, int orgId, String name) {}

    /** Token columns hold SHA-256 hex digests, never the tokens. */
    record User(int uid, int orgId, String name, String email, String apiTokenHash, String bearerTokenHash,
                int loginAid, Instant dateRegistered, Instant lastLogin) {}

    record Role(int roleId, Integer orgId, String name, boolean builtin, Set<Permission> permissions) {
        public boolean hasManagementPermissions() {
            return permissions.stream().anyMatch(Permission::management);
        }
    }

    record Membership(int uid, int aid, int roleId) {}

    boolean isEmpty();

    Organization createOrganization(String name, String agentToken, int orgRateLimit, int instantRateLimit);

    Optional<Organization> organization(int orgId);

    Optional<Organization> organizationByAgentToken(String agentToken);

    List<Organization> organizations();

    void setRateLimits(int orgId, int orgRateLimit, int instantRateLimit);

    AccountGroup createAccountGroup(int orgId, String name);

    Optional<AccountGroup> accountGroup(int aid);

    List<AccountGroup> accountGroups(int orgId);

    User createUser(int orgId, String name, String email, String apiTokenHash, String bearerTokenHash, int loginAid);

    /** E-mail match is case-insensitive. */
    Optional<User> userByEmail(String email);

    Optional<User> userByBearerHash(String bearerTokenHash);

    Optional<User> user(int uid);

    /** The users of an organization, by uid. */
    List<User> users(int orgId);

    void recordLogin(int uid, Instant when);

    /** {@code orgId} null for the built-in roles shared by every organization. */
    Role createRole(Integer orgId, String name, boolean builtin, Set<Permission> permissions);

    Optional<Role> roleByName(Integer orgId, String name);

    Optional<Role> role(int roleId);

    void assignRole(int uid, int aid, int roleId);

    List<Membership> memberships(int uid);

    // ---- agents -------------------------------------------------------------------------------------------

    record Agent(int agentId, int orgId, String name, String agentType, String countryId, String location,
                 String hostname, List<String> ipAddresses, List<String> publicIpAddresses, String version,
                 boolean enabled, Instant createdDate, Instant lastSeen) {}

    record AgentRegistration(String name, String hostname, List<String> ipAddresses, String location,
                             String countryId, String version) {}

    /**
     * Registers an agent of the organization by name, or updates the one with that name (hostname, addresses,
     * location, country, version, lastSeen = now). A new agent joins every account group of the organization.
     */
    Agent upsertAgent(int orgId, AgentRegistration registration, Instant now);

    void touchAgent(int agentId, Instant now);

    Optional<Agent> agent(int agentId);

    List<Agent> agentsInGroup(int aid);

    boolean agentInGroup(int agentId, int aid);

    void assignAgentToGroup(int agentId, int aid);

    void removeAgentFromGroup(int agentId, int aid);

    // ---- tests, rounds, the task queue ---------------------------------------------------------------------

    record StoredTest(int testId, int aid, String type, ObjectNode definition, ObjectNode secrets,
                      List<Integer> agentIds, boolean instant, String createdBy, Instant createdDate) {}

    record Round(int testId, long roundId, Instant createdAt) {}

    enum TaskState { QUEUED, LEASED, DONE, FAILED }

    /** {@code attempts}: how many times the task has been handed to its agent (0 while never claimed). */
    record Task(long taskId, int testId, long roundId, int agentId, String type, TaskState state, int attempts,
                Instant leaseUntil, Instant deadline, Instant createdAt) {}

    /**
     * In one transaction: the test row, its first round ({@code preferredRoundId}, bumped by 60 s until free)
     * and one QUEUED task per agent with the given deadline. Returns the stored test and the round id used.
     * A repeated agent id counts once. Unknown account group or agent: {@link IllegalArgumentException}, nothing stored.
     */
    CreatedTest createTest(int aid, String type, ObjectNode definition, ObjectNode secrets, List<Integer> agentIds,
                           boolean instant, String createdBy, Instant createdDate, long preferredRoundId,
                           Instant taskDeadline);

    record CreatedTest(StoredTest test, long roundId) {}

    /**
     * In one transaction: a new round of the test at {@code preferredRoundId} (a whole minute; bumped to the
     * next free minute when taken) and one QUEUED task per agent of the test. Returns the round id used.
     * A {@code preferredRoundId} that is not a whole minute is floored to one. Safe when replicas re-run the same
     * test at once: each gets its own round. Unknown test: {@link IllegalArgumentException}.
     */
    long addRound(int testId, long preferredRoundId, Instant now, Instant taskDeadline);

    /** A test by id, only when it belongs to account group {@code aid}. */
    Optional<StoredTest> test(int testId, int aid);

    Optional<StoredTest> test(int testId);

    List<StoredTest> tests(int aid, boolean includeInstant);

    /** Deletes the test with its rounds, tasks and results. */
    boolean deleteTest(int testId, int aid);

    List<Round> rounds(int testId);

    /**
     * The round's random token (32 hex digits, a fresh one per round): agent-to-agent and voice agents seal their
     * probes with it. Empty for an unknown round.
     */
    Optional<String> roundToken(int testId, long roundId);

    /**
     * Claims up to {@code max} tasks for the agent: QUEUED ones, and LEASED ones whose lease expired (attempts
     * incremented), oldest first; sets state LEASED and leaseUntil = now + lease. Safe when several server
     * replicas call it at once: a task is handed to one caller only. Every hand-out adds one to attempts (first
     * claim: 1). A lease is expired when leaseUntil &lt;= now. Tasks past their deadline are not handed out
     * (they are {@link #failOverdueTasks}'s).
     */
    List<Task> claimTasks(int agentId, int max, Duration lease, Instant now);

    Optional<Task> task(long taskId);

    /**
     * In one transaction: stores the records of a task (one row per data kind) and marks it DONE. Returns false
     * (and stores nothing) when the task is unknown, not this agent's, or already DONE/FAILED.
     * Kinds with an empty (or null) record list store no row.
     */
    boolean completeTask(long taskId, int agentId, Instant measuredAt, Map<DataKind, List<ObjectNode>> records);

    /**
     * Tasks past their deadline that are not DONE/FAILED, or whose lease expired {@code maxAttempts} times:
     * marks them FAILED and stores {@code errorRecords.apply(task)} for them, in one transaction per task.
     * Returns the tasks it failed (state FAILED). "Lease expired maxAttempts times" means: LEASED, leaseUntil &lt;= now
     * and attempts &gt;= maxAttempts. {@code errorRecords} sees the task as it was found (QUEUED or LEASED), and its
     * records are stored with measuredAt = now. A task an agent completes, or another replica fails, in the
     * meantime is left alone.
     */
    List<Task> failOverdueTasks(Instant now, int maxAttempts,
                                java.util.function.Function<Task, Map<DataKind, List<ObjectNode>>> errorRecords);

    /** Number of QUEUED or LEASED tasks for the agent (its load). */
    int openTaskCount(int agentId);

    // ---- results ------------------------------------------------------------------------------------------

    /** One stored record set: the records of one (test, round, agent, kind). */
    record ResultRow(int testId, long roundId, int agentId, DataKind kind, Instant measuredAt,
                     List<ObjectNode> records) {}

    /**
     * Results of a test for one kind whose round id is in [{@code fromRound}, {@code toRound}] (either bound may be
     * null) and greater than {@code afterRound} (null: no bound), ordered by roundId then agentId, at most
     * {@code limit} rows.
     */
    List<ResultRow> results(int testId, DataKind kind, Long fromRound, Long toRound, Long afterRound, int limit);

    /** Results of one (test, agent, round) for one kind. */
    Optional<ResultRow> result(int testId, int agentId, long roundId, DataKind kind);

    /** The newest round id of the test, whether or not it has results yet. */
    Optional<Long> latestRound(int testId);

    // ---- rate windows -------------------------------------------------------------------------------------

    /**
     * Adds one to the counter {@code key} for the window starting at {@code windowStart} (epoch seconds) and
     * returns the count after adding. Atomic across server replicas. Old windows may be pruned.
     */
    long incrementWindow(String key, long windowStart);

    /** The current count of a window without changing it (0 when absent). */
    long windowCount(String key, long windowStart);

    @Override
    void close();
}
