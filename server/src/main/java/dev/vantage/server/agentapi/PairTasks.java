package dev.vantage.server.agentapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.server.store.Store;

/**
 * The pairing fields of a two-agent task (agent-to-agent, voice), added to the definition an agent receives:
 * {@code role} (SOURCE or TARGET), {@code agentId}, the round's {@code roundToken} (the key its probes are sealed
 * with), and the peer: {@code targetAgentName} and {@code targetAddresses} for a source, {@code sourceAgents}
 * ({@code agentId}, {@code agentName}, {@code addresses}) for the target. The port, protocol and direction are the
 * test's own fields.
 */
final class PairTasks {
    private PairTasks() {}

    static void addPairing(ObjectNode definition, Store.StoredTest test, Store.Task task, Store store) {
        if (!definition.hasNonNull("targetAgentId")) return;
        int target = definition.path("targetAgentId").asInt();
        definition.put("agentId", task.agentId());
        store.roundToken(task.testId(), task.roundId()).ifPresent(token -> definition.put("roundToken", token));
        if (task.agentId() == target) {
            definition.put("role", "TARGET");
            ArrayNode sources = definition.putArray("sourceAgents");
            for (int id : test.agentIds()) {
                if (id == target) continue;
                ObjectNode source = sources.addObject().put("agentId", id);
                store.agent(id).ifPresent(a -> {
                    source.put("agentName", a.name());
                    ArrayNode addresses = source.putArray("addresses");
                    a.ipAddresses().forEach(addresses::add);
                });
            }
        } else {
            definition.put("role", "SOURCE");
            store.agent(target).ifPresent(a -> {
                definition.put("targetAgentName", a.name());
                ArrayNode addresses = definition.putArray("targetAddresses");
                a.ipAddresses().forEach(addresses::add);
            });
        }
    }
}
