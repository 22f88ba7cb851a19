package dev.vantage.model.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * Wire types of the agent protocol (the agent always dials out):
 * <pre>
 *   POST /agent/v1/hello            Hello        -> Welcome
 *   GET  /agent/v1/tasks?wait=30    -> TaskBatch (200) or 204 when nothing arrived in time
 *   POST /agent/v1/results          TaskResult   -> 204
 * </pre>
 * Every call carries {@code Authorization: Bearer <organization agent token>}; after hello, calls also
 * carry {@code X-Vantage-Agent-Id}.
 */
public final class AgentProtocol {
    private AgentProtocol() {}

    public static final String AGENT_ID_HEADER = "X-Vantage-Agent-Id";

    /** What an agent says about itself when it connects. {@code name} identifies it within its organization. */
    public record Hello(String name, String version, String hostname, List<String> ipAddresses,
                        String location, String countryId, List<String> capabilities) {}

    /** The server's answer to hello: the agent's id and how long a task long-poll may wait. */
    public record Welcome(int agentId, String agentName, int pollSeconds) {}

    /**
     * One unit of work: run test {@code testId} of {@code type} for round {@code roundId}.
     * {@code definition} is the stored test definition including secrets (passwords) the API never echoes.
     * {@code deadlineMillis} is the epoch millisecond by which the result must be uploaded.
     */
    public record Task(long taskId, int testId, long roundId, String type, ObjectNode definition, long deadlineMillis) {}

    public record TaskBatch(List<Task> tasks) {}

    /**
     * The agent's upload for one task. {@code records} maps a {@link dev.vantage.model.DataKind} name
     * (e.g. {@code WEB_HTTP_SERVER}) to the records the engine produced, without the common fields
     * (agentId, agentName, countryId, date, roundId, permalink) which the server adds.
     * {@code measuredAtMillis} is when the measurement started (becomes the record {@code date}).
     * {@code error} is set when the task could not run at all.
     */
    public record TaskResult(long taskId, long measuredAtMillis, Map<String, List<ObjectNode>> records, String error) {}
}
