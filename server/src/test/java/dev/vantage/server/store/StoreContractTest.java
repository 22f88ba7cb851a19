package dev.vantage.server.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.server.store.Store.Agent;
import dev.vantage.server.store.Store.AgentRegistration;
import dev.vantage.server.store.Store.CreatedTest;
import dev.vantage.server.store.Store.Organization;
import dev.vantage.server.store.Store.ResultRow;
import dev.vantage.server.store.Store.Role;
import dev.vantage.server.store.Store.StoredTest;
import dev.vantage.server.store.Store.Task;
import dev.vantage.server.store.Store.TaskState;
import dev.vantage.server.store.Store.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Everything {@link Store} promises, run against a real database by each subclass (H2 file, PostgreSQL).
 * Every test gets a fresh, empty database; {@link #open()} opens further instances on it, as server replicas do.
 */
abstract class StoreContractTest {

    /** A fresh, empty database for the next test. */
    protected abstract void createDatabase() throws Exception;

    /** A new store instance (own connection pool) on the current test's database. */
    protected abstract Store openStore();

    /** Removes what {@link #createDatabase()} made. */
    protected abstract void dropDatabase() throws Exception;

    static final Instant T0 = Instant.parse("2026-11-23T07:00:00Z");
    static final long MINUTE = T0.getEpochSecond();
    static final Duration LEASE = Duration.ofSeconds(30);

    private final List<Store> opened = Collections.synchronizedList(new ArrayList<>());
    protected Store store;

    @BeforeEach
    void setUpDatabase() throws Exception {
        createDatabase();
        store = open();
    }

    @AfterEach
    void tearDownDatabase() throws Exception {
        opened.forEach(Store::close);
        dropDatabase();
    }

    protected Store open() {
        Store s = openStore();
        opened.add(s);
        return s;
    }

    // ---- fixtures -----------------------------------------------------------------------------------------

    private int orgCounter;

    /** An organization with one account group. */
    record Org(Organization org, int aid) {}

    Org org() {
        Organization o = store.createOrganization("Org " + (++orgCounter), "agent-token-" + orgCounter, 240, 24);
        return new Org(o, store.createAccountGroup(o.orgId(), "Default").aid());
    }

    Agent agent(Org org, String name) {
        return store.upsertAgent(org.org().orgId(),
                new AgentRegistration(name, name + ".lan", List.of("10.0.0.1"), "Lab", "DE", "1.0"), T0);
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    CreatedTest createTest(Org org, List<Integer> agents, Instant deadline) {
        return store.createTest(org.aid(), "http-server", json("{\"url\":\"https://shop.example.net/\",\"testName\":\"t\"}"),
                json("{\"password\":\"s3cret\"}"), agents, true, "ann@example.net", T0, MINUTE, deadline);
    }

    // ---- organizations, account groups, users, roles ------------------------------------------------------

    @Test
    void organizationsRoundTrip() {
        assertThat(store.isEmpty()).isTrue();
        Organization acme = store.createOrganization("Acme", "tok-acme", 240, 24);
        Organization beta = store.createOrganization("Beta", "tok-beta", 1000, 97);
        assertThat(store.isEmpty()).isFalse();

        assertThat(store.organization(acme.orgId())).contains(acme);
        assertThat(store.organizationByAgentToken("tok-beta")).contains(beta);
        assertThat(store.organizationByAgentToken("tok-nope")).isEmpty();
        assertThat(store.organization(999_999)).isEmpty();
        assertThat(store.organizations()).containsExactly(acme, beta);

        store.setRateLimits(acme.orgId(), 970, 97);
        assertThat(store.organization(acme.orgId())).contains(new Organization(acme.orgId(), "Acme", "tok-acme", 970, 97));

        assertThatThrownBy(() -> store.createOrganization("Copy", "tok-acme", 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("agent token");
    }

    @Test
    void accountGroupsUsersRolesAndMembershipsRoundTrip() {
        Organization acme = store.createOrganization("Acme", "tok-acme", 240, 24);
        var ops = store.createAccountGroup(acme.orgId(), "Ops");
        var dev = store.createAccountGroup(acme.orgId(), "Dev");
        assertThat(store.accountGroup(ops.aid())).contains(ops);
        assertThat(store.accountGroups(acme.orgId())).containsExactly(ops, dev);
        assertThat(store.accountGroup(999_999)).isEmpty();
        assertThatThrownBy(() -> store.createAccountGroup(999_999, "Nowhere"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("organization");

        String apiHash = "a".repeat(64);
        String bearerHash = "b".repeat(64);
        User ann = store.createUser(acme.orgId(), "Ann", "Ann@Example.net", apiHash, bearerHash, ops.aid());
        User bob = store.createUser(acme.orgId(), "Bob", "bob@example.net", "c".repeat(64), null, dev.aid());
        assertThat(ann.lastLogin()).isNull();
        assertThat(ann.dateRegistered()).isNotNull();
        assertThat(store.user(ann.uid())).contains(ann);
        assertThat(store.userByEmail("ann@EXAMPLE.NET")).contains(ann);
        assertThat(store.userByEmail("nobody@example.net")).isEmpty();
        assertThat(store.userByBearerHash(bearerHash)).contains(ann);
        assertThat(store.userByBearerHash("d".repeat(64))).isEmpty();
        assertThat(store.user(bob.uid()).orElseThrow().bearerTokenHash()).isNull();
        assertThatThrownBy(() -> store.createUser(acme.orgId(), "Ann 2", "ANN@example.NET", apiHash, null, ops.aid()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("e-mail");

        Instant login = Instant.parse("2026-11-23T07:05:06.789Z");
        store.recordLogin(ann.uid(), login);
        assertThat(store.user(ann.uid()).orElseThrow().lastLogin()).isEqualTo(login);

        Role admin = store.createRole(null, "Account Admin", true,
                EnumSet.of(Permission.API_ACCESS, Permission.VIEW_TESTS, Permission.EDIT_USERS));
        Role regular = store.createRole(null, "Regular User", true, EnumSet.of(Permission.API_ACCESS, Permission.VIEW_TESTS));
        Role custom = store.createRole(acme.orgId(), "Viewer", false, Set.of(Permission.VIEW_AGENTS));
        Role none = store.createRole(acme.orgId(), "Nothing", false, Set.of());
        assertThat(store.role(admin.roleId())).contains(admin);
        assertThat(store.role(admin.roleId()).orElseThrow().hasManagementPermissions()).isTrue();
        assertThat(store.role(regular.roleId()).orElseThrow().hasManagementPermissions()).isFalse();
        assertThat(store.role(none.roleId()).orElseThrow().permissions()).isEmpty();
        assertThat(store.roleByName(null, "Regular User")).contains(regular);
        assertThat(store.roleByName(acme.orgId(), "Viewer")).contains(custom);
        assertThat(store.roleByName(acme.orgId(), "Regular User")).isEmpty();
        assertThat(store.roleByName(null, "Viewer")).isEmpty();
        assertThat(store.role(999_999)).isEmpty();

        store.assignRole(ann.uid(), ops.aid(), admin.roleId());
        store.assignRole(ann.uid(), dev.aid(), regular.roleId());
        assertThat(store.memberships(ann.uid())).containsExactly(
                new Store.Membership(ann.uid(), ops.aid(), admin.roleId()),
                new Store.Membership(ann.uid(), dev.aid(), regular.roleId()));
        store.assignRole(ann.uid(), dev.aid(), custom.roleId()); // replaces, not adds
        assertThat(store.memberships(ann.uid())).containsExactly(
                new Store.Membership(ann.uid(), ops.aid(), admin.roleId()),
                new Store.Membership(ann.uid(), dev.aid(), custom.roleId()));
        assertThat(store.memberships(bob.uid())).isEmpty();
        assertThatThrownBy(() -> store.assignRole(bob.uid(), ops.aid(), 999_999))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingRequiredValuesAreClearErrors() {
        Org org = org();
        assertThatThrownBy(() -> store.createOrganization(" ", "tok-x", 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("organization name is required");
        assertThatThrownBy(() -> store.createUser(org.org().orgId(), "Ann", null, "a".repeat(64), null, org.aid()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("e-mail is required");
        assertThatThrownBy(() -> store.createUser(999_999, "Ann", "ann@example.net", "a".repeat(64), null, org.aid()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("organization 999999");
        assertThatThrownBy(() -> store.upsertAgent(org.org().orgId(),
                new AgentRegistration(null, "h", List.of(), "Lab", "DE", "1.0"), T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("agent name is required");
        assertThatThrownBy(() -> store.upsertAgent(999_999,
                new AgentRegistration("edge", "h", List.of(), "Lab", "DE", "1.0"), T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("organization 999999");
        assertThatThrownBy(() -> store.createTest(999_999, "http-server", json("{}"), null, List.of(), true, "ann",
                T0, MINUTE, T0.plusSeconds(60))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.organizations()).hasSize(1);
    }

    // ---- agents -------------------------------------------------------------------------------------------

    @Test
    void upsertAgentByOrgAndNameKeepsIdAndUpdatesFields() {
        Org org = org();
        int second = store.createAccountGroup(org.org().orgId(), "Second").aid();
        Agent first = store.upsertAgent(org.org().orgId(),
                new AgentRegistration("edge-1", "edge-1.lan", List.of("10.0.0.5", "fd00::5"), "Berlin", "DE", "1.0"), T0);
        assertThat(first.agentType()).isEqualTo("Enterprise");
        assertThat(first.enabled()).isTrue();
        assertThat(first.createdDate()).isEqualTo(T0);
        assertThat(first.lastSeen()).isEqualTo(T0);
        assertThat(first.ipAddresses()).containsExactly("10.0.0.5", "fd00::5");
        assertThat(first.publicIpAddresses()).isEmpty();
        assertThat(store.agent(first.agentId())).contains(first);
        // a new agent joins every account group of its organization
        assertThat(store.agentInGroup(first.agentId(), org.aid())).isTrue();
        assertThat(store.agentInGroup(first.agentId(), second)).isTrue();

        Instant later = T0.plusSeconds(3600);
        Agent again = store.upsertAgent(org.org().orgId(),
                new AgentRegistration("edge-1", "edge-1b.lan", List.of("10.0.0.6"), "Hamburg", "NL", "1.1"), later);
        assertThat(again.agentId()).isEqualTo(first.agentId());
        assertThat(again).isEqualTo(new Agent(first.agentId(), org.org().orgId(), "edge-1", "Enterprise", "NL",
                "Hamburg", "edge-1b.lan", List.of("10.0.0.6"), List.of(), "1.1", true, T0, later));
        assertThat(store.agent(first.agentId())).contains(again);

        Org other = org();
        Agent sameNameElsewhere = agent(other, "edge-1");
        assertThat(sameNameElsewhere.agentId()).isNotEqualTo(first.agentId());
        assertThat(store.agent(999_999)).isEmpty();

        Instant touched = later.plusMillis(1234);
        store.touchAgent(first.agentId(), touched);
        assertThat(store.agent(first.agentId()).orElseThrow().lastSeen()).isEqualTo(touched);
    }

    @Test
    void concurrentRegistrationsOfOneNameMakeOneAgent() throws Exception {
        Org org = org();
        Store replica = open();
        List<Integer> ids = Collections.synchronizedList(new ArrayList<>());
        runConcurrently(6, i -> {
            Store s = i % 2 == 0 ? store : replica;
            ids.add(s.upsertAgent(org.org().orgId(),
                    new AgentRegistration("edge", "edge.lan", List.of("10.0.0." + i), "Lab", "DE", "1.0"), T0).agentId());
            return null;
        });
        assertThat(ids).hasSize(6);
        assertThat(Set.copyOf(ids)).hasSize(1);
        assertThat(store.agentsInGroup(org.aid())).extracting(Agent::agentId).containsExactly(ids.getFirst());
    }

    @Test
    void agentsAreScopedToAccountGroups() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        int lab = store.createAccountGroup(org.org().orgId(), "Lab").aid(); // created after the agents
        Org other = org();
        Agent c = agent(other, "c");

        assertThat(store.agentsInGroup(org.aid())).extracting(Agent::agentId).containsExactly(a.agentId(), b.agentId());
        assertThat(store.agentsInGroup(lab)).isEmpty();
        assertThat(store.agentInGroup(c.agentId(), org.aid())).isFalse();
        assertThat(store.agentsInGroup(other.aid())).extracting(Agent::agentId).containsExactly(c.agentId());

        store.assignAgentToGroup(b.agentId(), lab);
        store.assignAgentToGroup(b.agentId(), lab); // idempotent
        assertThat(store.agentsInGroup(lab)).extracting(Agent::agentId).containsExactly(b.agentId());

        store.removeAgentFromGroup(a.agentId(), org.aid());
        assertThat(store.agentInGroup(a.agentId(), org.aid())).isFalse();
        assertThat(store.agentsInGroup(org.aid())).extracting(Agent::agentId).containsExactly(b.agentId());
        store.removeAgentFromGroup(a.agentId(), org.aid()); // absent: no-op

        assertThatThrownBy(() -> store.assignAgentToGroup(999_999, lab)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- tests, rounds, tasks -----------------------------------------------------------------------------

    @Test
    void createTestStoresDefinitionRoundAndOneTaskPerAgent() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        Instant deadline = T0.plusSeconds(600);
        CreatedTest created = createTest(org, List.of(a.agentId(), b.agentId(), a.agentId()), deadline);

        StoredTest t = created.test();
        assertThat(created.roundId()).isEqualTo(MINUTE);
        assertThat(t.aid()).isEqualTo(org.aid());
        assertThat(t.type()).isEqualTo("http-server");
        assertThat(t.definition()).isEqualTo(json("{\"url\":\"https://shop.example.net/\",\"testName\":\"t\"}"));
        assertThat(t.secrets()).isEqualTo(json("{\"password\":\"s3cret\"}"));
        assertThat(t.agentIds()).containsExactly(a.agentId(), b.agentId()); // duplicates dropped
        assertThat(t.instant()).isTrue();
        assertThat(t.createdBy()).isEqualTo("ann@example.net");
        assertThat(t.createdDate()).isEqualTo(T0);
        assertThat(store.test(t.testId())).contains(t);
        assertThat(store.rounds(t.testId())).containsExactly(new Store.Round(t.testId(), MINUTE, T0));
        assertThat(store.openTaskCount(a.agentId())).isEqualTo(1);
        assertThat(store.openTaskCount(b.agentId())).isEqualTo(1);

        List<Task> tasks = store.claimTasks(b.agentId(), 10, LEASE, T0);
        assertThat(tasks).singleElement().satisfies(task -> {
            assertThat(task.testId()).isEqualTo(t.testId());
            assertThat(task.roundId()).isEqualTo(MINUTE);
            assertThat(task.agentId()).isEqualTo(b.agentId());
            assertThat(task.type()).isEqualTo("http-server");
            assertThat(task.deadline()).isEqualTo(deadline);
            assertThat(task.createdAt()).isEqualTo(T0);
        });

        assertThatThrownBy(() -> createTest(org, List.of(999_999), deadline)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.tests(org.aid(), true)).containsExactly(t); // the failed create left nothing behind
    }

    @Test
    void everyRoundHasItsOwnRandomToken() {
        Org org = org();
        Agent a = agent(org, "a");
        Instant deadline = T0.plusSeconds(3600);
        int testId = createTest(org, List.of(a.agentId()), deadline).test().testId();
        long second = store.addRound(testId, MINUTE, T0.plusSeconds(5), deadline);
        String first = store.roundToken(testId, MINUTE).orElseThrow();
        assertThat(first).matches("[0-9a-f]{32}");
        assertThat(store.roundToken(testId, second)).get().asString().matches("[0-9a-f]{32}").isNotEqualTo(first);
        assertThat(store.roundToken(testId, MINUTE + 3600)).isEmpty();
        assertThat(store.roundToken(999_999, MINUTE)).isEmpty();
    }

    @Test
    void addRoundBumpsToTheNextFreeMinute() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        Instant deadline = T0.plusSeconds(3600);
        int testId = createTest(org, List.of(a.agentId(), b.agentId()), deadline).test().testId();

        Instant rerun = T0.plusSeconds(20);
        assertThat(store.addRound(testId, MINUTE, rerun, deadline)).isEqualTo(MINUTE + 60);   // minute taken
        assertThat(store.addRound(testId, MINUTE + 30, rerun, deadline)).isEqualTo(MINUTE + 120); // aligned, bumped twice
        assertThat(store.addRound(testId, MINUTE + 600, rerun, deadline)).isEqualTo(MINUTE + 600); // free
        assertThat(store.addRound(testId, MINUTE + 180, rerun, deadline)).isEqualTo(MINUTE + 180); // gap below a later round
        assertThat(store.rounds(testId)).extracting(Store.Round::roundId)
                .containsExactly(MINUTE, MINUTE + 60, MINUTE + 120, MINUTE + 180, MINUTE + 600);
        assertThat(store.latestRound(testId)).contains(MINUTE + 600);
        assertThat(store.openTaskCount(a.agentId())).isEqualTo(5);
        assertThat(store.claimTasks(b.agentId(), 10, LEASE, rerun)).extracting(Task::roundId)
                .containsExactlyInAnyOrder(MINUTE, MINUTE + 60, MINUTE + 120, MINUTE + 180, MINUTE + 600);

        assertThat(store.latestRound(999_999)).isEmpty();
        assertThatThrownBy(() -> store.addRound(999_999, MINUTE, rerun, deadline))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("999999");
    }

    @Test
    void concurrentReRunsOfOneTestGetDistinctRounds() throws Exception {
        Org org = org();
        Agent a = agent(org, "a");
        Instant deadline = T0.plusSeconds(3600);
        int testId = createTest(org, List.of(a.agentId()), deadline).test().testId();
        Store replica = open();
        List<Long> rounds = Collections.synchronizedList(new ArrayList<>());
        runConcurrently(6, i -> {
            Store s = i % 2 == 0 ? store : replica;
            for (int n = 0; n < 5; n++) rounds.add(s.addRound(testId, MINUTE, T0, deadline));
            return null;
        });
        assertThat(rounds).hasSize(30).doesNotHaveDuplicates();
        assertThat(store.rounds(testId)).hasSize(31);
        assertThat(store.openTaskCount(a.agentId())).isEqualTo(31);
    }

    @Test
    void testsAreScopedByAccountGroupAndDeletable() {
        Org org = org();
        Org other = org();
        Agent a = agent(org, "a");
        Instant deadline = T0.plusSeconds(600);
        StoredTest instant = createTest(org, List.of(a.agentId()), deadline).test();
        StoredTest scheduled = store.createTest(org.aid(), "agent-to-server", json("{\"server\":\"10.0.0.9\"}"), null,
                List.of(a.agentId()), false, "ann@example.net", T0, MINUTE, deadline).test();
        assertThat(scheduled.secrets()).isNull();

        assertThat(store.test(instant.testId(), org.aid())).contains(instant);
        assertThat(store.test(instant.testId(), other.aid())).isEmpty();
        assertThat(store.test(999_999, org.aid())).isEmpty();
        assertThat(store.test(999_999)).isEmpty();
        assertThat(store.tests(org.aid(), true)).containsExactly(instant, scheduled);
        assertThat(store.tests(org.aid(), false)).containsExactly(scheduled);
        assertThat(store.tests(other.aid(), true)).isEmpty();

        Task task = store.claimTasks(a.agentId(), 1, LEASE, T0).getFirst();
        assertThat(store.completeTask(task.taskId(), a.agentId(), T0, Map.of(DataKind.WEB_HTTP_SERVER,
                List.of(json("{\"responseCode\":200}"))))).isTrue();

        assertThat(store.deleteTest(task.testId(), other.aid())).isFalse();
        assertThat(store.test(task.testId())).isPresent();
        assertThat(store.deleteTest(task.testId(), org.aid())).isTrue();
        assertThat(store.test(task.testId())).isEmpty();
        assertThat(store.rounds(task.testId())).isEmpty();
        assertThat(store.task(task.taskId())).isEmpty();
        assertThat(store.results(task.testId(), DataKind.WEB_HTTP_SERVER, null, null, null, 10)).isEmpty();
        assertThat(store.deleteTest(task.testId(), org.aid())).isFalse();
        assertThat(store.tests(org.aid(), true)).hasSize(1);
    }

    @Test
    void claimLeasesOldestFirstAndReLeasesAfterExpiry() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        Instant deadline = T0.plusSeconds(3600);
        int testId = createTest(org, List.of(a.agentId(), b.agentId()), deadline).test().testId();
        store.addRound(testId, MINUTE, T0.plusSeconds(1), deadline);
        store.addRound(testId, MINUTE, T0.plusSeconds(2), deadline);

        List<Task> first = store.claimTasks(a.agentId(), 2, LEASE, T0.plusSeconds(5));
        assertThat(first).extracting(Task::roundId).containsExactly(MINUTE, MINUTE + 60); // oldest first, at most 2
        assertThat(first).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TaskState.LEASED);
            assertThat(t.attempts()).isEqualTo(1);
            assertThat(t.leaseUntil()).isEqualTo(T0.plusSeconds(35));
        });
        assertThat(store.task(first.getFirst().taskId())).contains(first.getFirst());
        assertThat(store.task(999_999_999L)).isEmpty();

        // held: only the third task is left to claim; agent b's tasks are not a's
        assertThat(store.claimTasks(a.agentId(), 10, LEASE, T0.plusSeconds(10)))
                .extracting(Task::roundId).containsExactly(MINUTE + 120);
        assertThat(store.claimTasks(a.agentId(), 10, LEASE, T0.plusSeconds(20))).isEmpty();
        assertThat(store.openTaskCount(a.agentId())).isEqualTo(3);

        // the first two leases expire at +35 s, the third at +40 s
        Instant afterExpiry = T0.plusSeconds(36);
        List<Task> again = store.claimTasks(a.agentId(), 10, LEASE, afterExpiry);
        assertThat(again).extracting(Task::taskId).containsExactly(first.get(0).taskId(), first.get(1).taskId());
        assertThat(again).allSatisfy(t -> {
            assertThat(t.attempts()).isEqualTo(2);
            assertThat(t.leaseUntil()).isEqualTo(afterExpiry.plus(LEASE));
        });
        assertThat(store.task(again.getFirst().taskId()).orElseThrow().attempts()).isEqualTo(2);

        // past its deadline a task is no longer handed out (failOverdueTasks takes it)
        assertThat(store.claimTasks(b.agentId(), 10, LEASE, deadline)).isEmpty();
        assertThat(store.claimTasks(b.agentId(), 0, LEASE, T0)).isEmpty();
    }

    @Test
    void concurrentClaimsHandEachTaskToExactlyOneCaller() throws Exception {
        Org org = org();
        Agent a = agent(org, "a");
        Instant deadline = T0.plusSeconds(86_400);
        int testId = createTest(org, List.of(a.agentId()), deadline).test().testId();
        int total = 120;
        for (int i = 1; i < total; i++) store.addRound(testId, MINUTE + 60L * i, T0, deadline);
        assertThat(store.openTaskCount(a.agentId())).isEqualTo(total);

        Store replica = open();
        List<Long> claimed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger count = new AtomicInteger();
        runConcurrently(8, i -> {
            Store s = i % 2 == 0 ? store : replica;
            for (int round = 0; round < 10_000 && count.get() < total; round++) {
                List<Task> got = s.claimTasks(a.agentId(), 3, Duration.ofHours(1), T0.plusSeconds(1));
                got.forEach(t -> claimed.add(t.taskId()));
                count.addAndGet(got.size());
            }
            return null;
        });
        assertThat(claimed).hasSize(total).doesNotHaveDuplicates();
        assertThat(store.claimTasks(a.agentId(), 10, LEASE, T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void completeTaskStoresRecordsOnceAndOnlyForItsAgent() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        int testId = createTest(org, List.of(a.agentId(), b.agentId()), T0.plusSeconds(600)).test().testId();
        Task task = store.claimTasks(a.agentId(), 1, LEASE, T0).getFirst();
        Instant measured = T0.plusMillis(61_500);
        List<ObjectNode> http = List.of(json("{\"responseCode\":200,\"responseTime\":63.899002,\"date\":\"2026-11-23 07:01:01\"}"));
        List<ObjectNode> metrics = List.of(json("{\"loss\":0.0,\"avgLatency\":1.25}"), json("{\"loss\":10.0}"));

        assertThat(store.completeTask(task.taskId(), b.agentId(), measured, Map.of(DataKind.WEB_HTTP_SERVER, http)))
                .as("another agent's task").isFalse();
        assertThat(store.result(testId, b.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER)).isEmpty();
        assertThat(store.completeTask(999_999_999L, a.agentId(), measured, Map.of())).isFalse();

        assertThat(store.completeTask(task.taskId(), a.agentId(), measured,
                Map.of(DataKind.WEB_HTTP_SERVER, http, DataKind.NET_METRICS, metrics, DataKind.NET_PATH_VIS, List.of())))
                .isTrue();
        assertThat(store.task(task.taskId()).orElseThrow().state()).isEqualTo(TaskState.DONE);
        assertThat(store.openTaskCount(a.agentId())).isZero();
        assertThat(store.result(testId, a.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER))
                .contains(new ResultRow(testId, MINUTE, a.agentId(), DataKind.WEB_HTTP_SERVER, measured, http));
        assertThat(store.result(testId, a.agentId(), MINUTE, DataKind.NET_METRICS).orElseThrow().records())
                .isEqualTo(metrics);
        assertThat(store.result(testId, a.agentId(), MINUTE, DataKind.NET_PATH_VIS)).isEmpty(); // nothing to store

        // a second upload (a retry, a late duplicate) is refused and changes nothing
        assertThat(store.completeTask(task.taskId(), a.agentId(), measured.plusSeconds(5),
                Map.of(DataKind.WEB_HTTP_SERVER, List.of(json("{\"responseCode\":500}"))))).isFalse();
        assertThat(store.result(testId, a.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER).orElseThrow().records())
                .isEqualTo(http);
        Task bTask = store.claimTasks(b.agentId(), 1, LEASE, T0).getFirst();
        assertThat(store.completeTask(bTask.taskId(), b.agentId(), measured, Map.of(DataKind.WEB_HTTP_SERVER, http))).isTrue();
        assertThat(store.results(testId, DataKind.WEB_HTTP_SERVER, null, null, null, 10)).hasSize(2);
    }

    @Test
    void failOverdueTasksFailsLateAndExhaustedTasksWithErrorRecords() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        Agent c = agent(org, "c");
        int shortTest = createTest(org, List.of(a.agentId(), c.agentId()), T0.plusSeconds(60)).test().testId();
        int longTest = createTest(org, List.of(b.agentId()), T0.plusSeconds(3600)).test().testId();
        // c finishes in time: a DONE task is never failed
        Task cTask = store.claimTasks(c.agentId(), 1, LEASE, T0).getFirst();
        assertThat(store.completeTask(cTask.taskId(), c.agentId(), T0, Map.of(DataKind.WEB_HTTP_SERVER,
                List.of(json("{\"responseCode\":204}"))))).isTrue();

        List<Task> seen = new ArrayList<>();
        java.util.function.Function<Task, Map<DataKind, List<ObjectNode>>> errors = t -> {
            seen.add(t);
            return Map.of(DataKind.WEB_HTTP_SERVER, List.of(json("{\"errorType\":\"Timeout\",\"errorDetails\":\"task "
                    + t.taskId() + " attempts " + t.attempts() + "\"}")));
        };

        Task bTask = store.claimTasks(b.agentId(), 1, Duration.ofSeconds(10), T0).getFirst(); // attempts 1
        assertThat(store.failOverdueTasks(T0.plusSeconds(30), 2, errors)).isEmpty(); // nothing late, b tried once
        store.claimTasks(b.agentId(), 1, Duration.ofSeconds(10), T0.plusSeconds(30)); // attempts 2, lease to +40

        List<Task> failed = store.failOverdueTasks(T0.plusSeconds(61), 2, errors);
        assertThat(failed).extracting(Task::agentId).containsExactlyInAnyOrder(a.agentId(), b.agentId());
        assertThat(failed).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.FAILED));
        assertThat(seen).hasSize(2);
        assertThat(store.task(bTask.taskId()).orElseThrow().state()).isEqualTo(TaskState.FAILED);
        assertThat(store.task(cTask.taskId()).orElseThrow().state()).isEqualTo(TaskState.DONE);

        ResultRow aError = store.result(shortTest, a.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER).orElseThrow();
        assertThat(aError.records().getFirst().get("errorType").asText()).isEqualTo("Timeout");
        assertThat(aError.measuredAt()).isEqualTo(T0.plusSeconds(61));
        ResultRow bError = store.result(longTest, b.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER).orElseThrow();
        assertThat(bError.records().getFirst().get("errorDetails").asText()).endsWith("attempts 2");

        // failed once only; a late upload is refused
        assertThat(store.failOverdueTasks(T0.plusSeconds(120), 2, errors)).isEmpty();
        assertThat(store.completeTask(bTask.taskId(), b.agentId(), T0.plusSeconds(62), Map.of(DataKind.WEB_HTTP_SERVER,
                List.of(json("{\"responseCode\":200}"))))).isFalse();
        assertThat(store.result(longTest, b.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER)).contains(bError);
        assertThat(store.openTaskCount(a.agentId())).isZero();
    }

    // ---- results ------------------------------------------------------------------------------------------

    @Test
    void resultsAreFilteredByRoundOrderedAndLimited() {
        Org org = org();
        Agent a = agent(org, "a");
        Agent b = agent(org, "b");
        Instant deadline = T0.plusSeconds(3600);
        int testId = createTest(org, List.of(b.agentId(), a.agentId()), deadline).test().testId();
        store.addRound(testId, MINUTE + 60, T0, deadline);
        store.addRound(testId, MINUTE + 120, T0, deadline);
        // complete newest first, b before a: the order read back must not depend on it
        for (Agent agent : List.of(b, a)) {
            List<Task> tasks = new ArrayList<>(store.claimTasks(agent.agentId(), 10, LEASE, T0));
            Collections.reverse(tasks);
            for (Task t : tasks) {
                store.completeTask(t.taskId(), agent.agentId(), T0, Map.of(DataKind.NET_METRICS,
                        List.of(json("{\"round\":" + t.roundId() + ",\"agent\":" + agent.agentId() + "}"))));
            }
        }
        record Key(long round, int agent) {}
        List<Key> all = List.of(new Key(MINUTE, a.agentId()), new Key(MINUTE, b.agentId()),
                new Key(MINUTE + 60, a.agentId()), new Key(MINUTE + 60, b.agentId()),
                new Key(MINUTE + 120, a.agentId()), new Key(MINUTE + 120, b.agentId()));

        List<ResultRow> rows = store.results(testId, DataKind.NET_METRICS, null, null, null, 100);
        assertThat(rows).extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all);
        assertThat(rows).allSatisfy(r -> assertThat(r.records().getFirst().get("round").asLong()).isEqualTo(r.roundId()));

        assertThat(store.results(testId, DataKind.NET_METRICS, MINUTE + 60, null, null, 100))
                .extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all.subList(2, 6));
        assertThat(store.results(testId, DataKind.NET_METRICS, null, MINUTE + 60, null, 100))
                .extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all.subList(0, 4));
        assertThat(store.results(testId, DataKind.NET_METRICS, MINUTE + 60, MINUTE + 60, null, 100))
                .extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all.subList(2, 4));
        assertThat(store.results(testId, DataKind.NET_METRICS, null, null, MINUTE, 100))
                .extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all.subList(2, 6));
        assertThat(store.results(testId, DataKind.NET_METRICS, MINUTE, MINUTE + 120, MINUTE + 60, 100))
                .extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all.subList(4, 6));
        assertThat(store.results(testId, DataKind.NET_METRICS, null, null, null, 3))
                .extracting(r -> new Key(r.roundId(), r.agentId())).containsExactlyElementsOf(all.subList(0, 3));
        assertThat(store.results(testId, DataKind.NET_METRICS, null, null, null, 0)).isEmpty();
        assertThat(store.results(testId, DataKind.NET_PATH_VIS, null, null, null, 100)).isEmpty();
        assertThat(store.results(999_999, DataKind.NET_METRICS, null, null, null, 100)).isEmpty();
        assertThat(store.result(testId, a.agentId(), MINUTE + 180, DataKind.NET_METRICS)).isEmpty();
        assertThat(store.latestRound(testId)).contains(MINUTE + 120);
    }

    // ---- rate windows -------------------------------------------------------------------------------------

    @Test
    void incrementWindowCountsExactlyUnderContentionFromTwoInstances() throws Exception {
        Store replica = open();
        long window = MINUTE;
        List<Long> returned = Collections.synchronizedList(new ArrayList<>());
        runConcurrently(8, i -> {
            Store s = i % 2 == 0 ? store : replica;
            for (int n = 0; n < 40; n++) returned.add(s.incrementWindow("org:1001", window));
            return null;
        });
        // every caller saw its own count: 1..320, each once
        assertThat(returned).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 320).boxed().toList());
        assertThat(store.windowCount("org:1001", window)).isEqualTo(320);
        assertThat(replica.windowCount("org:1001", window)).isEqualTo(320);
        assertThat(store.windowCount("org:1001", window + 60)).isZero();
        assertThat(store.windowCount("instant:1001", window)).isZero();
        assertThat(store.incrementWindow("instant:1001", window)).isEqualTo(1);
        assertThat(store.incrementWindow("org:1001", window + 60)).isEqualTo(1);
    }

    @Test
    void oldWindowsArePruned() {
        store.incrementWindow("org:1", MINUTE);
        store.incrementWindow("org:1", MINUTE + 60);
        // a fresh instance prunes on its first increment; windows 10+ minutes older than the counted one go
        Store replica = open();
        assertThat(replica.incrementWindow("org:1", MINUTE + 660)).isEqualTo(1);
        assertThat(store.windowCount("org:1", MINUTE)).isZero();
        assertThat(store.windowCount("org:1", MINUTE + 60)).isEqualTo(1);
        assertThat(store.windowCount("org:1", MINUTE + 660)).isEqualTo(1);
    }

    // ---- durability ---------------------------------------------------------------------------------------

    @Test
    void dataSurvivesClosingAndReopening() {
        Org org = org();
        User ann = store.createUser(org.org().orgId(), "Ann", "ann@example.net", "a".repeat(64), null, org.aid());
        Agent a = agent(org, "a");
        CreatedTest created = createTest(org, List.of(a.agentId()), T0.plusSeconds(600));
        Task task = store.claimTasks(a.agentId(), 1, LEASE, T0).getFirst();
        List<ObjectNode> http = List.of(json("{\"responseCode\":200}"));
        store.completeTask(task.taskId(), a.agentId(), T0.plusSeconds(2), Map.of(DataKind.WEB_HTTP_SERVER, http));
        store.incrementWindow("org:" + org.org().orgId(), MINUTE);
        store.close();

        store = open();
        assertThat(store.isEmpty()).isFalse();
        assertThat(store.organization(org.org().orgId())).contains(org.org());
        assertThat(store.userByEmail("ann@example.net")).contains(ann);
        assertThat(store.agent(a.agentId())).contains(a);
        assertThat(store.test(created.test().testId(), org.aid())).contains(created.test());
        assertThat(store.task(task.taskId()).orElseThrow().state()).isEqualTo(TaskState.DONE);
        assertThat(store.result(created.test().testId(), a.agentId(), MINUTE, DataKind.WEB_HTTP_SERVER).orElseThrow()
                .records()).isEqualTo(http);
        assertThat(store.windowCount("org:" + org.org().orgId(), MINUTE)).isEqualTo(1);
        // ids keep counting up after a restart
        assertThat(store.createAccountGroup(org.org().orgId(), "New").aid()).isGreaterThan(org.aid());
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    interface Worker {
        Void run(int index) throws Exception;
    }

    /** Starts {@code threads} workers at the same moment and rethrows the first failure. */
    static void runConcurrently(int threads, Worker worker) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                Callable<Void> c = () -> {
                    start.await(30, TimeUnit.SECONDS);
                    return worker.run(index);
                };
                futures.add(pool.submit(c));
            }
            for (Future<Void> f : futures) f.get(120, TimeUnit.SECONDS);
        }
    }
}
