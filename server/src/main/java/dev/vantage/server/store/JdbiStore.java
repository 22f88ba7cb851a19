package dev.vantage.server.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.vantage.model.DataKind;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.vantage.server.store.Rows.json;
import static dev.vantage.server.store.Rows.millis;

/**
 * {@link Store} on Jdbi over a HikariCP pool; the same SQL runs on H2 (MODE=PostgreSQL) and PostgreSQL.
 * Correctness across replicas comes from the database alone: conditional updates (compare-and-set on a task's
 * state and attempts) for the queue, unique keys plus retry for counters, rounds and agent names.
 */
public final class JdbiStore implements Store {

    private static final String TASK_COLUMNS =
            "task_id, test_id, round_id, agent_id, type, state, attempts, lease_until, deadline, created_at";
    private static final String AGENT_COLUMNS = "a.agent_id, a.org_id, a.name, a.agent_type, a.country_id, "
            + "a.location, a.hostname, a.ip_addresses, a.public_ip_addresses, a.version, a.enabled, a.created_date, a.last_seen";
    private static final String TEST_COLUMNS =
            "test_id, aid, type, definition, secrets, agent_ids, instant, created_by, created_date";
    private static final String RESULT_COLUMNS = "test_id, round_id, agent_id, kind, measured_at, records";

    /** Agents that register themselves are Enterprise agents in v6 terms. */
    static final String ENTERPRISE = "Enterprise";

    /** Rate windows older than this (relative to the window being counted) are deleted now and then. */
    private static final long PRUNE_WINDOWS_OLDER_THAN_SECONDS = 600;
    private static final long PRUNE_EVERY_NANOS = Duration.ofMinutes(1).toNanos();
    private static final int MAX_RETRIES = 20;

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final AtomicLong lastPrune = new AtomicLong(System.nanoTime() - PRUNE_EVERY_NANOS);

    /** Takes a pool whose database is already migrated ({@link Stores#open}); closing the store closes the pool. */
    public JdbiStore(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    /**
     * The pool this store runs on, for the few things that need the database beyond {@link Store} (e.g. PostgreSQL
     * LISTEN/NOTIFY wake-ups across replicas). Closed by {@link #close()}.
     */
    public DataSource dataSource() {
        return dataSource;
    }

    // ---- organizations, account groups, users, roles ------------------------------------------------------

    @Override
    public boolean isEmpty() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM organizations").mapTo(Long.class).one()) == 0;
    }

    @Override
    public Organization createOrganization(String name, String agentToken, int orgRateLimit, int instantRateLimit) {
        require(name, "organization name");
        require(agentToken, "agent token");
        int orgId = translate(() -> jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO organizations (name, agent_token, org_rate_limit, instant_rate_limit)
                        VALUES (:name, :token, :orgLimit, :instantLimit)""")
                .bind("name", name).bind("token", agentToken)
                .bind("orgLimit", orgRateLimit).bind("instantLimit", instantRateLimit)
                .executeAndReturnGeneratedKeys("org_id").mapTo(Integer.class).one()),
                "agent token already belongs to an organization", "organization");
        return new Organization(orgId, name, agentToken, orgRateLimit, instantRateLimit);
    }

    @Override
    public Optional<Organization> organization(int orgId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM organizations WHERE org_id = :id")
                .bind("id", orgId).map(Rows.ORGANIZATION).findOne());
    }

    @Override
    public Optional<Organization> organizationByAgentToken(String agentToken) {
        if (agentToken == null) return Optional.empty();
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM organizations WHERE agent_token = :token")
                .bind("token", agentToken).map(Rows.ORGANIZATION).findOne());
    }

    @Override
    public List<Organization> organizations() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM organizations ORDER BY org_id")
                .map(Rows.ORGANIZATION).list());
    }

    @Override
    public void setRateLimits(int orgId, int orgRateLimit, int instantRateLimit) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE organizations SET org_rate_limit = :orgLimit, instant_rate_limit = :instantLimit
                        WHERE org_id = :id""")
                .bind("id", orgId).bind("orgLimit", orgRateLimit).bind("instantLimit", instantRateLimit).execute());
    }

    @Override
    public AccountGroup createAccountGroup(int orgId, String name) {
        require(name, "account group name");
        int aid = translate(() -> jdbi.withHandle(h -> h.createUpdate(
                        "INSERT INTO account_groups (org_id, name) VALUES (:orgId, :name)")
                .bind("orgId", orgId).bind("name", name)
                .executeAndReturnGeneratedKeys("aid").mapTo(Integer.class).one()),
                "account group already exists", "organization " + orgId);
        return new AccountGroup(aid, orgId, name);
    }

    @Override
    public Optional<AccountGroup> accountGroup(int aid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM account_groups WHERE aid = :aid")
                .bind("aid", aid).map(Rows.ACCOUNT_GROUP).findOne());
    }

    @Override
    public List<AccountGroup> accountGroups(int orgId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM account_groups WHERE org_id = :orgId ORDER BY aid")
                .bind("orgId", orgId).map(Rows.ACCOUNT_GROUP).list());
    }

    @Override
    public User createUser(int orgId, String name, String email, String apiTokenHash, String bearerTokenHash,
                           int loginAid) {
        require(name, "user name");
        require(email, "e-mail");
        require(apiTokenHash, "API token hash");
        Instant registered = Rows.truncate(Instant.now());
        int uid = translate(() -> jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO users (org_id, name, email, email_key, api_token_hash, bearer_token_hash,
                                           login_aid, date_registered)
                        VALUES (:orgId, :name, :email, :emailKey, :apiHash, :bearerHash, :loginAid, :registered)""")
                .bind("orgId", orgId).bind("name", name).bind("email", email)
                .bind("emailKey", emailKey(email)).bind("apiHash", apiTokenHash).bind("bearerHash", bearerTokenHash)
                .bind("loginAid", loginAid).bind("registered", millis(registered))
                .executeAndReturnGeneratedKeys("uid").mapTo(Integer.class).one()),
                "a user with this e-mail or bearer token already exists", "organization " + orgId);
        return new User(uid, orgId, name, email, apiTokenHash, bearerTokenHash, loginAid, registered, null);
    }

    @Override
    public Optional<User> userByEmail(String email) {
        if (email == null) return Optional.empty();
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users WHERE email_key = :key")
                .bind("key", emailKey(email)).map(Rows.USER).findOne());
    }

    @Override
    public Optional<User> userByBearerHash(String bearerTokenHash) {
        if (bearerTokenHash == null) return Optional.empty();
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users WHERE bearer_token_hash = :hash")
                .bind("hash", bearerTokenHash).map(Rows.USER).findOne());
    }

    @Override
    public Optional<User> user(int uid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users WHERE uid = :uid")
                .bind("uid", uid).map(Rows.USER).findOne());
    }

    @Override
    public List<User> users(int orgId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM users WHERE org_id = :org ORDER BY uid")
                .bind("org", orgId).map(Rows.USER).list());
    }

    @Override
    public void recordLogin(int uid, Instant when) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE users SET last_login = :when WHERE uid = :uid")
                .bind("uid", uid).bind("when", millis(when)).execute());
    }

    @Override
    public Role createRole(Integer orgId, String name, boolean builtin, Set<Permission> permissions) {
        require(name, "role name");
        Set<Permission> perms = permissionSet(permissions);
        int roleId = translate(() -> jdbi.inTransaction(h -> {
            int id = h.createUpdate("INSERT INTO roles (org_id, name, builtin) VALUES (:orgId, :name, :builtin)")
                    .bind("orgId", orgId).bind("name", name).bind("builtin", builtin)
                    .executeAndReturnGeneratedKeys("role_id").mapTo(Integer.class).one();
            PreparedBatch batch = h.prepareBatch("INSERT INTO role_permissions (role_id, permission_id) VALUES (:r, :p)");
            for (Permission p : perms) batch.bind("r", id).bind("p", p.id()).add();
            if (!perms.isEmpty()) batch.execute();
            return id;
        }), "role already exists", "organization " + orgId);
        return new Role(roleId, orgId, name, builtin, perms);
    }

    @Override
    public Optional<Role> roleByName(Integer orgId, String name) {
        String sql = orgId == null
                ? "SELECT * FROM roles WHERE org_id IS NULL AND name = :name ORDER BY role_id"
                : "SELECT * FROM roles WHERE org_id = :orgId AND name = :name ORDER BY role_id";
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("name", name);
            if (orgId != null) q.bind("orgId", orgId);
            return q.mapToMap().findFirst().map(row -> role(h, row));
        });
    }

    @Override
    public Optional<Role> role(int roleId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM roles WHERE role_id = :id").bind("id", roleId)
                .mapToMap().findOne().map(row -> role(h, row)));
    }

    private static Role role(Handle h, Map<String, Object> row) {
        int roleId = ((Number) row.get("role_id")).intValue();
        Number orgId = (Number) row.get("org_id");
        Set<Permission> perms = EnumSet.noneOf(Permission.class);
        h.createQuery("SELECT permission_id FROM role_permissions WHERE role_id = :id").bind("id", roleId)
                .mapTo(Integer.class).forEach(p -> Permission.byId(p).ifPresent(perms::add));
        return new Role(roleId, orgId == null ? null : orgId.intValue(), (String) row.get("name"),
                (Boolean) row.get("builtin"), Collections.unmodifiableSet(perms));
    }

    @Override
    public void assignRole(int uid, int aid, int roleId) {
        retrying(() -> translate(() -> jdbi.inTransaction(h -> {
            int updated = h.createUpdate("UPDATE memberships SET role_id = :roleId WHERE uid = :uid AND aid = :aid")
                    .bind("uid", uid).bind("aid", aid).bind("roleId", roleId).execute();
            if (updated == 0) {
                h.createUpdate("INSERT INTO memberships (uid, aid, role_id) VALUES (:uid, :aid, :roleId)")
                        .bind("uid", uid).bind("aid", aid).bind("roleId", roleId).execute();
            }
            return null;
        }), null, "user " + uid + ", account group " + aid + " or role " + roleId));
    }

    @Override
    public List<Membership> memberships(int uid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM memberships WHERE uid = :uid ORDER BY aid")
                .bind("uid", uid).map(Rows.MEMBERSHIP).list());
    }

    // ---- agents -------------------------------------------------------------------------------------------

    @Override
    public Agent upsertAgent(int orgId, AgentRegistration r, Instant now) {
        if (r == null) throw new IllegalArgumentException("agent registration is required");
        require(r.name(), "agent name");
        List<String> ips = r.ipAddresses() == null ? List.of() : r.ipAddresses();
        // a second replica registering the same name at the same moment loses the insert race and updates instead
        return retrying(() -> translate(() -> jdbi.inTransaction(h -> {
            int updated = h.createUpdate("""
                            UPDATE agents SET hostname = :hostname, ip_addresses = :ips, location = :location,
                                   country_id = :country, version = :version, last_seen = :now
                            WHERE org_id = :orgId AND name = :name""")
                    .bind("orgId", orgId).bind("name", r.name()).bind("hostname", r.hostname())
                    .bind("ips", json(ips)).bind("location", r.location()).bind("country", r.countryId())
                    .bind("version", r.version()).bind("now", millis(now)).execute();
            if (updated == 0) {
                int agentId = h.createUpdate("""
                                INSERT INTO agents (org_id, name, agent_type, country_id, location, hostname,
                                                    ip_addresses, public_ip_addresses, version, enabled,
                                                    created_date, last_seen)
                                VALUES (:orgId, :name, :type, :country, :location, :hostname, :ips, '[]', :version,
                                        TRUE, :now, :now)""")
                        .bind("orgId", orgId).bind("name", r.name()).bind("type", ENTERPRISE)
                        .bind("country", r.countryId()).bind("location", r.location()).bind("hostname", r.hostname())
                        .bind("ips", json(ips)).bind("version", r.version()).bind("now", millis(now))
                        .executeAndReturnGeneratedKeys("agent_id").mapTo(Integer.class).one();
                h.createUpdate("""
                                INSERT INTO agent_account_groups (agent_id, aid)
                                SELECT :agentId, aid FROM account_groups WHERE org_id = :orgId""")
                        .bind("agentId", agentId).bind("orgId", orgId).execute();
            }
            return h.createQuery("SELECT " + AGENT_COLUMNS + " FROM agents a WHERE a.org_id = :orgId AND a.name = :name")
                    .bind("orgId", orgId).bind("name", r.name()).map(Rows.AGENT).one();
        }), null, "organization " + orgId));
    }

    @Override
    public void touchAgent(int agentId, Instant now) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE agents SET last_seen = :now WHERE agent_id = :id")
                .bind("id", agentId).bind("now", millis(now)).execute());
    }

    @Override
    public Optional<Agent> agent(int agentId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + AGENT_COLUMNS + " FROM agents a WHERE a.agent_id = :id")
                .bind("id", agentId).map(Rows.AGENT).findOne());
    }

    @Override
    public List<Agent> agentsInGroup(int aid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + AGENT_COLUMNS + """
                         FROM agents a JOIN agent_account_groups g ON g.agent_id = a.agent_id
                        WHERE g.aid = :aid ORDER BY a.agent_id""")
                .bind("aid", aid).map(Rows.AGENT).list());
    }

    @Override
    public boolean agentInGroup(int agentId, int aid) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM agent_account_groups WHERE agent_id = :agentId AND aid = :aid")
                .bind("agentId", agentId).bind("aid", aid).mapTo(Long.class).one()) > 0;
    }

    @Override
    public void assignAgentToGroup(int agentId, int aid) {
        translate(() -> jdbi.withHandle(h -> h.createUpdate(
                        "INSERT INTO agent_account_groups (agent_id, aid) VALUES (:agentId, :aid) ON CONFLICT DO NOTHING")
                .bind("agentId", agentId).bind("aid", aid).execute()),
                null, "agent " + agentId + " or account group " + aid);
    }

    @Override
    public void removeAgentFromGroup(int agentId, int aid) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM agent_account_groups WHERE agent_id = :agentId AND aid = :aid")
                .bind("agentId", agentId).bind("aid", aid).execute());
    }

    // ---- tests, rounds, the task queue ---------------------------------------------------------------------

    @Override
    public CreatedTest createTest(int aid, String type, ObjectNode definition, ObjectNode secrets,
                                  List<Integer> agentIds, boolean instant, String createdBy, Instant createdDate,
                                  long preferredRoundId, Instant taskDeadline) {
        require(type, "test type");
        if (definition == null) throw new IllegalArgumentException("test definition is required");
        List<Integer> agents = agentIds == null ? List.of() : List.copyOf(new LinkedHashSet<>(agentIds));
        return translate(() -> jdbi.inTransaction(h -> {
            int testId = h.createUpdate("""
                            INSERT INTO tests (aid, type, definition, secrets, agent_ids, instant, created_by, created_date)
                            VALUES (:aid, :type, :definition, :secrets, :agentIds, :instant, :createdBy, :createdDate)""")
                    .bind("aid", aid).bind("type", type).bind("definition", json(definition))
                    .bind("secrets", json(secrets)).bind("agentIds", json(agents)).bind("instant", instant)
                    .bind("createdBy", createdBy).bind("createdDate", millis(createdDate))
                    .executeAndReturnGeneratedKeys("test_id").mapTo(Integer.class).one();
            long roundId = insertRound(h, testId, preferredRoundId, createdDate);
            insertTasks(h, testId, roundId, type, agents, createdDate, taskDeadline);
            StoredTest test = h.createQuery("SELECT " + TEST_COLUMNS + " FROM tests WHERE test_id = :id")
                    .bind("id", testId).map(Rows.TEST).one();
            return new CreatedTest(test, roundId);
        }), null, "account group " + aid + " or agents " + agents);
    }

    @Override
    public long addRound(int testId, long preferredRoundId, Instant now, Instant taskDeadline) {
        // Re-runs of one test queue up on its row lock (FOR UPDATE), so each sees the rounds committed before it
        // and takes the next free minute; a primary-key collision all the same is retried.
        return retrying(() -> jdbi.inTransaction(h -> {
            StoredTest test = h.createQuery("SELECT " + TEST_COLUMNS + " FROM tests WHERE test_id = :id FOR UPDATE")
                    .bind("id", testId).map(Rows.TEST).findOne()
                    .orElseThrow(() -> new IllegalArgumentException("no test " + testId));
            long roundId = insertRound(h, testId, preferredRoundId, now);
            insertTasks(h, testId, roundId, test.type(), test.agentIds(), now, taskDeadline);
            return roundId;
        }));
    }

    /** Inserts the first free whole-minute round at or after {@code preferredRoundId} and returns its id. */
    private static long insertRound(Handle h, int testId, long preferredRoundId, Instant now) {
        long candidate = Math.floorDiv(preferredRoundId, 60) * 60;
        List<Long> taken = h.createQuery(
                        "SELECT round_id FROM rounds WHERE test_id = :id AND round_id >= :from ORDER BY round_id")
                .bind("id", testId).bind("from", candidate).mapTo(Long.class).list();
        for (long t : taken) {
            if (t == candidate) candidate += 60;
            else if (t > candidate) break;
        }
        h.createUpdate("INSERT INTO rounds (test_id, round_id, created_at, token) VALUES (:id, :round, :now, :token)")
                .bind("id", testId).bind("round", candidate).bind("now", millis(now)).bind("token", newRoundToken())
                .execute();
        return candidate;
    }

    private static void insertTasks(Handle h, int testId, long roundId, String type, List<Integer> agentIds,
                                    Instant now, Instant deadline) {
        if (agentIds.isEmpty()) return;
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO tasks (test_id, round_id, agent_id, type, state, attempts, deadline, created_at)
                VALUES (:testId, :roundId, :agentId, :type, 'QUEUED', 0, :deadline, :now)""");
        for (int agentId : agentIds) {
            batch.bind("testId", testId).bind("roundId", roundId).bind("agentId", agentId).bind("type", type)
                    .bind("deadline", millis(deadline)).bind("now", millis(now)).add();
        }
        batch.execute();
    }

    @Override
    public Optional<StoredTest> test(int testId, int aid) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT " + TEST_COLUMNS + " FROM tests WHERE test_id = :id AND aid = :aid")
                .bind("id", testId).bind("aid", aid).map(Rows.TEST).findOne());
    }

    @Override
    public Optional<StoredTest> test(int testId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + TEST_COLUMNS + " FROM tests WHERE test_id = :id")
                .bind("id", testId).map(Rows.TEST).findOne());
    }

    @Override
    public List<StoredTest> tests(int aid, boolean includeInstant) {
        String sql = "SELECT " + TEST_COLUMNS + " FROM tests WHERE aid = :aid"
                + (includeInstant ? "" : " AND instant = FALSE") + " ORDER BY test_id";
        return jdbi.withHandle(h -> h.createQuery(sql).bind("aid", aid).map(Rows.TEST).list());
    }

    @Override
    public boolean deleteTest(int testId, int aid) {
        return jdbi.inTransaction(h -> {
            boolean exists = h.createQuery("SELECT COUNT(*) FROM tests WHERE test_id = :id AND aid = :aid")
                    .bind("id", testId).bind("aid", aid).mapTo(Long.class).one() > 0;
            if (!exists) return false;
            for (String table : List.of("results", "tasks", "rounds", "tests")) {
                h.createUpdate("DELETE FROM " + table + " WHERE test_id = :id").bind("id", testId).execute();
            }
            return true;
        });
    }

    private static final java.security.SecureRandom TOKENS = new java.security.SecureRandom();

    /** 128 random bits, hex: the key agents seal a round's probes with. */
    private static String newRoundToken() {
        byte[] token = new byte[16];
        TOKENS.nextBytes(token);
        return java.util.HexFormat.of().formatHex(token);
    }

    @Override
    public Optional<String> roundToken(int testId, long roundId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT token FROM rounds WHERE test_id = :id AND round_id = :round")
                .bind("id", testId).bind("round", roundId).mapTo(String.class).findOne());
    }

    @Override
    public List<Round> rounds(int testId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM rounds WHERE test_id = :id ORDER BY round_id")
                .bind("id", testId).map(Rows.ROUND).list());
    }

    @Override
    public List<Task> claimTasks(int agentId, int max, Duration lease, Instant now) {
        if (max <= 0) return List.of();
        long nowMs = now.toEpochMilli();
        Instant leaseUntil = Rows.truncate(now.plus(lease));
        return jdbi.withHandle(h -> {
            // Candidates first, then one compare-and-set per task (autocommit, so no lock is held across rows).
            // The CAS repeats the claimable condition and pins the attempts seen, so of several replicas
            // racing for a task exactly one sees an update count of 1.
            List<Task> candidates = h.createQuery("SELECT " + TASK_COLUMNS + """
                             FROM tasks
                            WHERE agent_id = :agentId AND deadline > :now
                              AND (state = 'QUEUED' OR (state = 'LEASED' AND lease_until <= :now))
                            ORDER BY created_at, task_id
                            LIMIT :limit""")
                    .bind("agentId", agentId).bind("now", nowMs).bind("limit", (int) Math.min(2L * max + 8, 10_000))
                    .map(Rows.TASK).list();
            List<Task> claimed = new ArrayList<>();
            for (Task t : candidates) {
                if (claimed.size() == max) break;
                int updated = h.createUpdate("""
                                UPDATE tasks SET state = 'LEASED', lease_until = :leaseUntil, attempts = attempts + 1
                                WHERE task_id = :id AND attempts = :attempts AND deadline > :now
                                  AND (state = 'QUEUED' OR (state = 'LEASED' AND lease_until <= :now))""")
                        .bind("id", t.taskId()).bind("attempts", t.attempts()).bind("now", nowMs)
                        .bind("leaseUntil", millis(leaseUntil)).execute();
                if (updated == 1) {
                    claimed.add(new Task(t.taskId(), t.testId(), t.roundId(), t.agentId(), t.type(), TaskState.LEASED,
                            t.attempts() + 1, leaseUntil, t.deadline(), t.createdAt()));
                }
            }
            return claimed;
        });
    }

    @Override
    public Optional<Task> task(long taskId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + TASK_COLUMNS + " FROM tasks WHERE task_id = :id")
                .bind("id", taskId).map(Rows.TASK).findOne());
    }

    @Override
    public boolean completeTask(long taskId, int agentId, Instant measuredAt, Map<DataKind, List<ObjectNode>> records) {
        return jdbi.inTransaction(h -> {
            int updated = h.createUpdate("""
                            UPDATE tasks SET state = 'DONE'
                            WHERE task_id = :id AND agent_id = :agentId AND state IN ('QUEUED', 'LEASED')""")
                    .bind("id", taskId).bind("agentId", agentId).execute();
            if (updated != 1) return false;
            Task task = h.createQuery("SELECT " + TASK_COLUMNS + " FROM tasks WHERE task_id = :id")
                    .bind("id", taskId).map(Rows.TASK).one();
            insertResults(h, task, measuredAt, records);
            return true;
        });
    }

    private static void insertResults(Handle h, Task task, Instant measuredAt,
                                      Map<DataKind, List<ObjectNode>> records) {
        if (records == null || records.isEmpty()) return;
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO results (test_id, kind, round_id, agent_id, measured_at, records)
                VALUES (:testId, :kind, :roundId, :agentId, :measuredAt, :records)""");
        int rows = 0;
        for (Map.Entry<DataKind, List<ObjectNode>> e : records.entrySet()) {
            if (e.getKey() == null || e.getValue() == null || e.getValue().isEmpty()) continue;
            batch.bind("testId", task.testId()).bind("kind", e.getKey().name()).bind("roundId", task.roundId())
                    .bind("agentId", task.agentId()).bind("measuredAt", millis(measuredAt))
                    .bind("records", json(e.getValue())).add();
            rows++;
        }
        if (rows > 0) batch.execute();
    }

    @Override
    public List<Task> failOverdueTasks(Instant now, int maxAttempts,
                                       Function<Task, Map<DataKind, List<ObjectNode>>> errorRecords) {
        long nowMs = now.toEpochMilli();
        String overdue = """
                state IN ('QUEUED', 'LEASED')
                AND (deadline <= :now OR (state = 'LEASED' AND lease_until <= :now AND attempts >= :maxAttempts))""";
        List<Task> candidates = jdbi.withHandle(h -> h.createQuery(
                        "SELECT " + TASK_COLUMNS + " FROM tasks WHERE " + overdue + " ORDER BY created_at, task_id")
                .bind("now", nowMs).bind("maxAttempts", maxAttempts).map(Rows.TASK).list());
        List<Task> failed = new ArrayList<>();
        for (Task t : candidates) {
            Map<DataKind, List<ObjectNode>> records = errorRecords.apply(t);
            boolean done = jdbi.inTransaction(h -> {
                // compare-and-set: an agent completing it or another replica failing it meanwhile wins
                int updated = h.createUpdate("UPDATE tasks SET state = 'FAILED' WHERE task_id = :id AND state = :state"
                                + " AND attempts = :attempts AND " + overdue)
                        .bind("id", t.taskId()).bind("state", t.state().name()).bind("attempts", t.attempts())
                        .bind("now", nowMs).bind("maxAttempts", maxAttempts).execute();
                if (updated != 1) return false;
                insertResults(h, t, now, records);
                return true;
            });
            if (done) {
                failed.add(new Task(t.taskId(), t.testId(), t.roundId(), t.agentId(), t.type(), TaskState.FAILED,
                        t.attempts(), t.leaseUntil(), t.deadline(), t.createdAt()));
            }
        }
        return failed;
    }

    @Override
    public int openTaskCount(int agentId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM tasks WHERE agent_id = :id AND state IN ('QUEUED', 'LEASED')")
                .bind("id", agentId).mapTo(Long.class).one()).intValue();
    }

    // ---- results ------------------------------------------------------------------------------------------

    @Override
    public List<ResultRow> results(int testId, DataKind kind, Long fromRound, Long toRound, Long afterRound,
                                   int limit) {
        if (limit <= 0) return List.of();
        StringBuilder sql = new StringBuilder("SELECT " + RESULT_COLUMNS
                + " FROM results WHERE test_id = :testId AND kind = :kind");
        if (fromRound != null) sql.append(" AND round_id >= :from");
        if (toRound != null) sql.append(" AND round_id <= :to");
        if (afterRound != null) sql.append(" AND round_id > :after");
        sql.append(" ORDER BY round_id, agent_id LIMIT :limit");
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql.toString()).bind("testId", testId).bind("kind", kind.name())
                    .bind("limit", limit);
            if (fromRound != null) q.bind("from", fromRound);
            if (toRound != null) q.bind("to", toRound);
            if (afterRound != null) q.bind("after", afterRound);
            return q.map(Rows.RESULT).list();
        });
    }

    @Override
    public Optional<ResultRow> result(int testId, int agentId, long roundId, DataKind kind) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + RESULT_COLUMNS + """
                         FROM results
                        WHERE test_id = :testId AND kind = :kind AND round_id = :roundId AND agent_id = :agentId""")
                .bind("testId", testId).bind("kind", kind.name()).bind("roundId", roundId).bind("agentId", agentId)
                .map(Rows.RESULT).findOne());
    }

    @Override
    public Optional<Long> latestRound(int testId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT round_id FROM rounds WHERE test_id = :id ORDER BY round_id DESC LIMIT 1")
                .bind("id", testId).mapTo(Long.class).findFirst());
    }

    // ---- rate windows -------------------------------------------------------------------------------------

    @Override
    public long incrementWindow(String key, long windowStart) {
        pruneWindowsNowAndThen(windowStart);
        // UPDATE first (the common case); the row lock it takes makes the read-back our own count.
        // When the row is absent, INSERT; a concurrent INSERT of the same window makes one of them retry.
        return retrying(() -> jdbi.inTransaction(h -> {
            int updated = h.createUpdate(
                            "UPDATE rate_windows SET hits = hits + 1 WHERE window_key = :key AND window_start = :start")
                    .bind("key", key).bind("start", windowStart).execute();
            if (updated == 1) {
                return h.createQuery("SELECT hits FROM rate_windows WHERE window_key = :key AND window_start = :start")
                        .bind("key", key).bind("start", windowStart).mapTo(Long.class).one();
            }
            h.createUpdate("INSERT INTO rate_windows (window_key, window_start, hits) VALUES (:key, :start, 1)")
                    .bind("key", key).bind("start", windowStart).execute();
            return 1L;
        }));
    }

    @Override
    public long windowCount(String key, long windowStart) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT hits FROM rate_windows WHERE window_key = :key AND window_start = :start")
                .bind("key", key).bind("start", windowStart).mapTo(Long.class).findOne().orElse(0L));
    }

    private void pruneWindowsNowAndThen(long windowStart) {
        long last = lastPrune.get();
        long nowNanos = System.nanoTime();
        if (nowNanos - last < PRUNE_EVERY_NANOS || !lastPrune.compareAndSet(last, nowNanos)) return;
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM rate_windows WHERE window_start < :oldest")
                .bind("oldest", windowStart - PRUNE_WINDOWS_OLDER_THAN_SECONDS).execute());
    }

    @Override
    public void close() {
        dataSource.close();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static void require(String value, String what) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(what + " is required");
    }

    private static String emailKey(String email) {
        return email.toLowerCase(Locale.ROOT);
    }

    private static Set<Permission> permissionSet(Set<Permission> permissions) {
        Set<Permission> set = EnumSet.noneOf(Permission.class);
        if (permissions != null) set.addAll(permissions);
        return Collections.unmodifiableSet(set);
    }

    /**
     * Runs a transaction again when it lost a race another replica can win: a unique-key collision (the state it
     * read is stale, the next attempt sees the winner's row) or a transient lock/serialization failure.
     */
    private static <T> T retrying(Supplier<T> transaction) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.get();
            } catch (RuntimeException e) {
                if (attempt >= MAX_RETRIES || !(isUniqueViolation(e) || isTransient(e))) throw e;
            }
        }
    }

    /**
     * Turns the integrity violations a caller can cause into clear {@link IllegalArgumentException}s: a duplicate
     * ({@code duplicate} names it; null means a duplicate is not expected here) or a missing referenced row
     * ({@code references} names what may be missing).
     */
    private static <T> T translate(Supplier<T> action, String duplicate, String references) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            if (duplicate != null && isUniqueViolation(e)) throw new IllegalArgumentException(duplicate, e);
            if (isForeignKeyViolation(e)) throw new IllegalArgumentException("unknown " + references, e);
            throw e;
        }
    }

    static boolean isUniqueViolation(Throwable e) {
        return hasSqlState(e, "23505");
    }

    static boolean isForeignKeyViolation(Throwable e) {
        // PostgreSQL reports 23503 either way; H2 uses 23506 for a missing parent
        return hasSqlState(e, "23503") || hasSqlState(e, "23506");
    }

    /** Deadlock, serialization failure or lock timeout (PostgreSQL 40001/40P01, H2 40001/HYT00/90131). */
    static boolean isTransient(Throwable e) {
        return hasSqlState(e, "40001") || hasSqlState(e, "40P01") || hasSqlState(e, "HYT00") || hasSqlState(e, "90131");
    }

    private static boolean hasSqlState(Throwable e, String state) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException n = s; n != null; n = n.getNextException()) {
                    if (state.equals(n.getSQLState())) return true;
                }
            }
        }
        return false;
    }
}
