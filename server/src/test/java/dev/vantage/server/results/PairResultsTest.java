package dev.vantage.server.results;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.server.store.Store;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How the two sides' uploads of an agent-to-agent round become per-direction records of the source agent. */
class PairResultsTest {
    static final int SOURCE = 2001, TARGET = 2002, ROUND = 1_700_000_040;

    static Store.StoredTest test(String direction) {
        ObjectNode d = Json.MAPPER.createObjectNode().put("targetAgentId", TARGET).put("direction", direction);
        return new Store.StoredTest(500001, 11, "agent-to-agent", d, null, List.of(SOURCE, TARGET), true, "x",
                Instant.EPOCH);
    }

    static ObjectNode rec(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Store.ResultRow row(int agent, ObjectNode... records) {
        return new Store.ResultRow(500001, ROUND, agent, DataKind.NET_METRICS, Instant.EPOCH, List.of(records));
    }

    @Test
    void eachDirectionComesFromItsReceiverAndBelongsToTheSource() {
        List<Store.ResultRow> rows = List.of(
                row(SOURCE, rec("{\"direction\":\"TO_TARGET\",\"loss\":10.0,\"probeMethod\":\"source\"}"),
                        rec("{\"direction\":\"FROM_TARGET\",\"loss\":0.0}")),
                row(TARGET, rec("{\"sourceAgentId\":2001,\"direction\":\"TO_TARGET\",\"loss\":12.0,\"probeMethod\":\"target\"}")));
        List<Store.ResultRow> joined = PairResults.join(test("BIDIRECTIONAL"), rows, null, true);
        assertThat(joined).singleElement().satisfies(r -> {
            assertThat(r.agentId()).isEqualTo(SOURCE);
            assertThat(r.records()).extracting(x -> x.path("direction").asText()).containsExactly("TO_TARGET", "FROM_TARGET");
            assertThat(r.records().getFirst().path("probeMethod").asText()).isEqualTo("target");
            assertThat(r.records().getFirst().has("sourceAgentId")).isFalse();
        });
        assertThat(PairResults.join(test("BIDIRECTIONAL"), rows, "FROM_TARGET", true).getFirst().records())
                .singleElement().satisfies(x -> assertThat(x.path("loss").asDouble()).isZero());
    }

    @Test
    void theOtherSideStandsInWhenTheReceiverFailedOrHasNotReported() {
        ObjectNode sourceView = rec("{\"direction\":\"TO_TARGET\",\"loss\":10.0}");
        // the target has not reported yet
        assertThat(PairResults.join(test("TO_TARGET"), List.of(row(SOURCE, sourceView)), null, true).getFirst().records())
                .containsExactly(sourceView.deepCopy().put("direction", "TO_TARGET"));
        // the target's task failed as a whole (no source, no direction): the source's measurement stands
        List<Store.ResultRow> failedTarget = List.of(row(SOURCE, sourceView), row(TARGET, rec("{\"errorDetails\":\"timeout\"}")));
        assertThat(PairResults.join(test("TO_TARGET"), failedTarget, null, true).getFirst().records().getFirst()
                .path("loss").asDouble()).isEqualTo(10.0);
        // both failed: the receiver's reason
        List<Store.ResultRow> bothFailed = List.of(row(SOURCE, rec("{\"direction\":\"TO_TARGET\",\"errorDetails\":\"no answer\"}")),
                row(TARGET, rec("{\"sourceAgentId\":2001,\"direction\":\"TO_TARGET\",\"errorDetails\":\"never reached\"}")));
        assertThat(PairResults.join(test("TO_TARGET"), bothFailed, null, true).getFirst().records().getFirst()
                .path("errorDetails").asText()).isEqualTo("never reached");
        // only the target reported: its record is shown as the source's
        assertThat(PairResults.join(test("TO_TARGET"), List.of(row(TARGET,
                rec("{\"sourceAgentId\":2001,\"direction\":\"TO_TARGET\",\"loss\":4.0}"))), null, true))
                .singleElement().satisfies(r -> assertThat(r.agentId()).isEqualTo(SOURCE));
    }
}
