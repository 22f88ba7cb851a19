package dev.vantage.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.server.store.Store.Agent;
import dev.vantage.server.store.Store.AccountGroup;
import dev.vantage.server.store.Store.Membership;
import dev.vantage.server.store.Store.Organization;
import dev.vantage.server.store.Store.ResultRow;
import dev.vantage.server.store.Store.Round;
import dev.vantage.server.store.Store.StoredTest;
import dev.vantage.server.store.Store.Task;
import dev.vantage.server.store.Store.TaskState;
import dev.vantage.server.store.Store.User;
import org.jdbi.v3.core.mapper.RowMapper;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Row mappers and the JSON/instant column codecs of {@link JdbiStore}: explicit, no reflection. */
final class Rows {
    private Rows() {}

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<List<Integer>> INTS = new TypeReference<>() {};
    private static final TypeReference<List<ObjectNode>> OBJECTS = new TypeReference<>() {};

    static final RowMapper<Organization> ORGANIZATION = (rs, ctx) -> new Organization(
            rs.getInt("org_id"), rs.getString("name"), rs.getString("agent_token"),
            rs.getInt("org_rate_limit"), rs.getInt("instant_rate_limit"));

    static final RowMapper<AccountGroup> ACCOUNT_GROUP = (rs, ctx) -> new AccountGroup(
            rs.getInt("aid"), rs.getInt("org_id"), rs.getString("name"));

    static final RowMapper<User> USER = (rs, ctx) -> new User(
            rs.getInt("uid"), rs.getInt("org_id"), rs.getString("name"), rs.getString("email"),
            rs.getString("api_token_hash"), rs.getString("bearer_token_hash"), rs.getInt("login_aid"),
            instant(rs, "date_registered"), instant(rs, "last_login"));

    static final RowMapper<Membership> MEMBERSHIP = (rs, ctx) -> new Membership(
            rs.getInt("uid"), rs.getInt("aid"), rs.getInt("role_id"));

    static final RowMapper<Agent> AGENT = (rs, ctx) -> new Agent(
            rs.getInt("agent_id"), rs.getInt("org_id"), rs.getString("name"), rs.getString("agent_type"),
            rs.getString("country_id"), rs.getString("location"), rs.getString("hostname"),
            fromJson(rs.getString("ip_addresses"), STRINGS), fromJson(rs.getString("public_ip_addresses"), STRINGS),
            rs.getString("version"), rs.getBoolean("enabled"), instant(rs, "created_date"), instant(rs, "last_seen"));

    static final RowMapper<StoredTest> TEST = (rs, ctx) -> new StoredTest(
            rs.getInt("test_id"), rs.getInt("aid"), rs.getString("type"),
            fromJson(rs.getString("definition"), ObjectNode.class), fromJson(rs.getString("secrets"), ObjectNode.class),
            fromJson(rs.getString("agent_ids"), INTS), rs.getBoolean("instant"), rs.getString("created_by"),
            instant(rs, "created_date"));

    static final RowMapper<Round> ROUND = (rs, ctx) -> new Round(
            rs.getInt("test_id"), rs.getLong("round_id"), instant(rs, "created_at"));

    static final RowMapper<Task> TASK = (rs, ctx) -> new Task(
            rs.getLong("task_id"), rs.getInt("test_id"), rs.getLong("round_id"), rs.getInt("agent_id"),
            rs.getString("type"), TaskState.valueOf(rs.getString("state")), rs.getInt("attempts"),
            instant(rs, "lease_until"), instant(rs, "deadline"), instant(rs, "created_at"));

    static final RowMapper<ResultRow> RESULT = (rs, ctx) -> new ResultRow(
            rs.getInt("test_id"), rs.getLong("round_id"), rs.getInt("agent_id"), DataKind.valueOf(rs.getString("kind")),
            instant(rs, "measured_at"), fromJson(rs.getString("records"), OBJECTS));

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    /** What a stored instant reads back as: the store keeps milliseconds. */
    static Instant truncate(Instant instant) {
        return instant == null ? null : Instant.ofEpochMilli(instant.toEpochMilli());
    }

    static String json(Object value) {
        if (value == null) return null;
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    static <T> T fromJson(String text, Class<T> type) {
        if (text == null) return null;
        try {
            return Json.MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON column: " + e.getOriginalMessage(), e);
        }
    }

    static <T> T fromJson(String text, TypeReference<T> type) {
        if (text == null) return null;
        try {
            return Json.MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON column: " + e.getOriginalMessage(), e);
        }
    }
}
