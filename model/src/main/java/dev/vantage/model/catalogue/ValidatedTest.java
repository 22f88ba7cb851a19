package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;

import java.util.List;

/**
 * A test request that passed the catalogue.
 *
 * @param type          the test type
 * @param definition    the definition as v6 echoes it, defaults filled, ignored fields set to the instant
 *                      constants ({@code interval: 0}, {@code alertsEnabled: 0}, ...), {@code type} and
 *                      {@code testName} set; WITHOUT testId, agents, apiLinks, createdBy, createdDate (the server adds
 *                      those) and without secrets
 * @param secrets       write-only fields (passwords) that the agent needs but the API never echoes; may be empty
 * @param agents        the agents named in the request, in order, duplicates removed
 * @param targetAgentId agent-to-agent / voice target, else null
 * @param dataKinds     the data endpoints this test fills, in {@code apiLinks} order (instant-tests.md §6)
 */
public record ValidatedTest(TestType type, ObjectNode definition, ObjectNode secrets, List<AgentRef> agents,
                            Integer targetAgentId, List<DataKind> dataKinds) {}
