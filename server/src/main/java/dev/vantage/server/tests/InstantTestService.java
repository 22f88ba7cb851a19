package dev.vantage.server.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.catalogue.AgentRef;
import dev.vantage.model.catalogue.InvalidTestException;
import dev.vantage.model.catalogue.TestCatalogue;
import dev.vantage.model.catalogue.ValidatedTest;
import dev.vantage.server.api.ApiException;
import dev.vantage.server.auth.Authenticator;
import dev.vantage.server.auth.Caller;
import dev.vantage.server.dispatch.TaskSignals;
import dev.vantage.server.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates and reruns instant tests (instant-tests.md §3-4): validate against the catalogue and the caller's agents,
 * then in one store transaction the test, its round and one task per agent; then wake those agents.
 * A 201 therefore means the work is durable.
 */
public final class InstantTestService {
    private static final Logger log = LoggerFactory.getLogger(InstantTestService.class);
    /** Time an agent gets beyond the test's own time limit before its task is failed (queueing, upload). */
    static final Duration DEADLINE_MARGIN = Duration.ofSeconds(60);
    /** Definition fields that bound how long one run may take, in seconds. */
    private static final List<String> TIME_LIMIT_FIELDS =
            List.of("httpTimeLimit", "pageLoadTimeLimit", "timeLimit", "ftpTimeLimit", "sipTimeLimit", "duration");

    private final Store store;
    private final TestCatalogue catalogue;
    private final TaskSignals signals;
    private final Clock clock;

    public InstantTestService(Store store, TestCatalogue catalogue, TaskSignals signals, Clock clock) {
        this.store = store;
        this.catalogue = catalogue;
        this.signals = signals;
        this.clock = clock;
    }

    public Store.StoredTest create(Caller caller, String typeName, JsonNode body) {
        ValidatedTest test;
        try {
            test = catalogue.validateInstant(typeName, body);
        } catch (InvalidTestException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        List<Integer> agentIds = new ArrayList<>();
        ArrayNode requestAgents = test.definition().putArray("agents");
        for (AgentRef ref : test.agents()) {
            Store.Agent agent = visibleAgent(caller, ref.agentId(), "agentId");
            if (ref.sourceIpAddress() != null && !agent.ipAddresses().contains(ref.sourceIpAddress())) {
                throw ApiException.badRequest("sourceIpAddress " + ref.sourceIpAddress() + " is not an address of agent "
                        + ref.agentId() + " (" + String.join(", ", agent.ipAddresses()) + ")");
            }
            agentIds.add(ref.agentId());
            ObjectNode a = requestAgents.addObject().put("agentId", ref.agentId());
            if (ref.sourceIpAddress() != null) a.put("sourceIpAddress", ref.sourceIpAddress());
        }
        List<Integer> taskAgents = new ArrayList<>(agentIds);
        if (test.targetAgentId() != null) {
            // agent-to-agent, voice: the target agent gets a task of its own each round (its responder's part)
            Store.Agent target = visibleAgent(caller, test.targetAgentId(), "targetAgentId");
            if (agentIds.contains(target.agentId())) {
                throw ApiException.badRequest("targetAgentId " + target.agentId()
                        + " is also in agents; an agent cannot measure to itself");
            }
            String host = target.ipAddresses().isEmpty() ? target.name() : target.ipAddresses().getFirst();
            test.definition().put("server", (host.contains(":") ? "[" + host + "]" : host) + ":"
                    + test.definition().path("port").asInt());
            taskAgents.add(target.agentId());
        }
        Instant now = clock.instant();
        Store.CreatedTest created = store.createTest(caller.aid(), test.type().wireName(), test.definition(),
                test.secrets(), taskAgents, true, caller.displayName(), now, Authenticator.minute(now),
                deadline(test.definition(), now));
        signals.tasksQueued(taskAgents);
        log.info("instant {} test {} created by {} in account group {}: round {} on agents {}", typeName,
                created.test().testId(), caller.user().email(), caller.aid(), created.roundId(), agentIds);
        return created.test();
    }

    public long rerun(Caller caller, int testId) {
        Store.StoredTest test = store.test(testId, caller.aid())
                .orElseThrow(() -> ApiException.notFound("test " + testId + " does not exist in account group " + caller.aid()));
        if (!test.instant()) throw ApiException.badRequest("test " + testId + " is a scheduled test; only instant tests can be rerun");
        for (int agentId : test.agentIds()) {
            if (store.agent(agentId).filter(a -> store.agentInGroup(agentId, caller.aid())).isEmpty()) {
                throw ApiException.badRequest("agent " + agentId + " of test " + testId
                        + " no longer exists or is not available to account group " + caller.aid());
            }
        }
        Instant now = clock.instant();
        long roundId = store.addRound(testId, Authenticator.minute(now), now, deadline(test.definition(), now));
        signals.tasksQueued(test.agentIds());
        log.info("instant test {} rerun by {}: round {}", testId, caller.user().email(), roundId);
        return roundId;
    }

    private Store.Agent visibleAgent(Caller caller, int agentId, String field) {
        return store.agent(agentId).filter(a -> store.agentInGroup(agentId, caller.aid()))
                .orElseThrow(() -> ApiException.badRequest(field + " " + agentId
                        + " is not an agent available to account group " + caller.aid()));
    }

    static Instant deadline(ObjectNode definition, Instant now) {
        long limitSeconds = 0;
        for (String field : TIME_LIMIT_FIELDS) {
            limitSeconds = Math.max(limitSeconds, definition.path(field).asLong(0));
        }
        if (definition.path("throughputMeasurements").asInt(0) == 1) {
            limitSeconds += definition.path("throughputDuration").asLong(10_000) / 1000; // agent-to-agent, in ms
        }
        return now.plusSeconds(limitSeconds).plus(DEADLINE_MARGIN);
    }
}
