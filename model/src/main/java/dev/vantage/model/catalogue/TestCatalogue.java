package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;
import dev.vantage.model.Json;
import dev.vantage.model.catalogue.FieldSpec.Flag;
import dev.vantage.model.catalogue.TypeSpec.Draft;
import dev.vantage.model.catalogue.TypeSpec.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The test-metadata catalogue for all twelve instant-capable types (spec/test-metadata.md): required fields,
 * types, ranges, allowed values, defaults, and the fields the instant API accepts but ignores.
 * The per-type field tables live in {@link TypeSpecs}.
 */
public final class TestCatalogue {

    /** Type names v6 knows but the instant API refuses (instant-tests.md §3.1). */
    private static final Map<String, String> NOT_INSTANT = Map.of(
            "bgp", "Test type bgp is not supported for instant tests",
            "dnsp-domain", "Test type dnsp-domain is not supported for instant tests (DNS+ tests were retired)",
            "dnsp-server", "Test type dnsp-server is not supported for instant tests (DNS+ tests were retired)",
            "voice-call", "Test type voice-call is not supported for instant tests (it was removed; use voice or sip-server)");

    /** sip-server target fields sent nested under targetSipCredentials and stored flat (test-metadata.md §4.11). */
    private static final List<String> SIP_TARGET_FIELDS =
            List.of("sipRegistrar", "port", "protocol", "authUser", "password", "user", "sipProxy");

    /**
     * Validates an instant-test request body for the type named in the URL.
     *
     * @param typeName the {@code {testType}} path segment, e.g. {@code http-server}
     * @param body     the parsed request body (any JSON value; non-objects are refused)
     * @throws InvalidTestException with a message naming the field, for: unknown/unsupported type (bgp, dnsp-*,
     *         voice-call, wrong casing), a type whose engine is not built yet, missing or empty required fields,
     *         wrong JSON types, values out of range or not in the allowed set, and the cross-field rules of
     *         instant-tests.md §3.3 that need no agent knowledge
     */
    public ValidatedTest validateInstant(String typeName, JsonNode body) throws InvalidTestException {
        TestType type = instantType(typeName);
        ValidatedTest test = validate(type, body);
        return test;
    }

    /**
     * Validates a body against the full v6 rules of the type, whether or not this server can run it yet
     * ({@link #validateInstant} adds those availability checks).
     */
    ValidatedTest validate(TestType type, JsonNode body) throws InvalidTestException {
        if (body == null || !body.isObject()) {
            throw new InvalidTestException("The request body must be a JSON object, got "
                    + (body == null || body.isMissingNode() ? "nothing" : FieldSpec.shown(body)));
        }
        TypeSpec spec = TypeSpecs.spec(type);
        Map<String, String> labels = new HashMap<>();
        ObjectNode request = type == TestType.SIP_SERVER
                ? flattenSipCredentials((ObjectNode) body, labels) : (ObjectNode) body;

        List<AgentRef> agents = agents(request.get("agents"), spec.sourceIpAllowed(), type);
        Draft draft = new Draft(request, Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode(), labels);
        for (FieldSpec field : TypeSpecs.COMMON) apply(field, draft);
        for (FieldSpec field : spec.fields()) apply(field, draft);
        for (Rule rule : spec.rules()) rule.apply(draft);

        ObjectNode definition = Json.MAPPER.createObjectNode();
        definition.put("type", type.wireName());
        String name = draft.definition().path("testName").asText("");
        definition.put("testName", name.isBlank() ? spec.defaultName().apply(draft.definition()) : name);
        draft.definition().remove("testName");
        draft.definition().properties().removeIf(field -> field.getValue().isNull()); // computed later by the server
        definition.setAll(draft.definition());

        Integer targetAgentId = definition.has("targetAgentId") ? definition.get("targetAgentId").asInt() : null;
        return new ValidatedTest(type, definition, draft.secrets(), agents, targetAgentId, dataKinds(type, definition));
    }

    /**
     * The data endpoints a test of this type fills, in {@code apiLinks} order (instant-tests.md §6): the type's own
     * endpoints, then net/metrics and net/path-vis when it runs network measurements.
     */
    public static List<DataKind> dataKinds(TestType type, ObjectNode definition) {
        TypeSpec spec = TypeSpecs.spec(type);
        boolean network = switch (spec.network()) {
            case NONE -> false;
            case ALWAYS -> true;
            case OPTIONAL -> definition.path("networkMeasurements").asInt(1) == 1;
        };
        List<DataKind> kinds = new ArrayList<>(spec.ownData());
        if (network) kinds.addAll(List.of(DataKind.NET_METRICS, DataKind.NET_PATH_VIS));
        return List.copyOf(kinds);
    }

    private static TestType instantType(String typeName) throws InvalidTestException {
        if (typeName != null && NOT_INSTANT.containsKey(typeName)) {
            throw new InvalidTestException(NOT_INSTANT.get(typeName));
        }
        TestType type = TestType.byWireName(typeName).orElseThrow(() -> new InvalidTestException(
                "Unknown test type " + FieldSpec.shown(Json.MAPPER.getNodeFactory().textNode(String.valueOf(typeName)))
                        + "; instant tests support " + Arrays.stream(TestType.values())
                        .map(TestType::wireName).collect(Collectors.joining(", "))));
        if (!type.engineBuilt()) {
            throw new InvalidTestException(
                    "Instant tests of type " + type.wireName() + " are not available on this server yet");
        }
        return type;
    }

    /** Checks one field of the table and puts its value into the definition or the secrets. */
    private static void apply(FieldSpec field, Draft draft) throws InvalidTestException {
        String name = field.name();
        if (field.is(Flag.IGN) || field.is(Flag.RO)) {
            // whatever was sent is dropped; the instant constant (if any) is echoed. A computed field keeps its
            // place in table order with a null that its rule replaces (or that is dropped at the end).
            if (field.defaultValue() != null) {
                draft.definition().set(name, field.defaultValue().deepCopy());
            } else if (field.is(Flag.RO)) {
                draft.definition().putNull(name);
            }
            return;
        }
        JsonNode value = draft.body().get(name);
        String label = draft.label(name);
        if (value == null || value.isNull()) {
            if (field.is(Flag.REQ)) throw new InvalidTestException(label + " is required");
            if (field.defaultValue() != null) draft.definition().set(name, field.defaultValue().deepCopy());
            return;
        }
        if (field.is(Flag.REQ) && (value.isTextual() && value.asText().isBlank()
                || value.isContainerNode() && value.isEmpty())) {
            throw new InvalidTestException(label + " must not be empty");
        }
        (field.is(Flag.SECRET) ? draft.secrets() : draft.definition()).set(name, field.check(value, label));
    }

    /** {@code agents}: a non-empty array of {"agentId": int} objects; duplicates are dropped, first one wins. */
    private static List<AgentRef> agents(JsonNode agents, boolean sourceIpAllowed, TestType type)
            throws InvalidTestException {
        if (agents == null || agents.isNull()) throw new InvalidTestException("agents is required");
        if (!agents.isArray()) {
            throw new InvalidTestException("agents must be an array of {\"agentId\": <int>} objects, got "
                    + FieldSpec.shown(agents));
        }
        if (agents.isEmpty()) throw new InvalidTestException("agents must not be empty");
        Map<Integer, AgentRef> byId = new LinkedHashMap<>();
        for (int i = 0; i < agents.size(); i++) {
            String label = "agents[" + i + "]";
            JsonNode agent = agents.get(i);
            if (!agent.isObject()) {
                throw new InvalidTestException(label + " must be an object with an integer agentId, got "
                        + FieldSpec.shown(agent));
            }
            JsonNode id = agent.get("agentId");
            if (id == null || id.isNull()) throw new InvalidTestException(label + ".agentId is required");
            int agentId = FieldSpec.intIn(id, label + ".agentId", 1, Integer.MAX_VALUE, "an integer of at least 1");
            String sourceIp = null;
            JsonNode ip = agent.get("sourceIpAddress");
            if (ip != null && !ip.isNull()) {
                if (!sourceIpAllowed) {
                    throw new InvalidTestException(label + ".sourceIpAddress is not supported for "
                            + type.wireName() + " tests");
                }
                sourceIp = FieldSpec.text(ip, label + ".sourceIpAddress").strip();
                if (!FieldSpec.isIpLiteral(sourceIp)) {
                    throw new InvalidTestException(label + ".sourceIpAddress must be an IP address, got "
                            + FieldSpec.shown(ip));
                }
            }
            byId.putIfAbsent(agentId, new AgentRef(agentId, sourceIp));
        }
        return List.copyOf(byId.values());
    }

    /**
     * sip-server: copies the fields of {@code targetSipCredentials} onto the top level (nested wins over a
     * top-level value) and remembers their nested names for messages.
     */
    private static ObjectNode flattenSipCredentials(ObjectNode body, Map<String, String> labels)
            throws InvalidTestException {
        JsonNode credentials = body.get("targetSipCredentials");
        ObjectNode flat = body.deepCopy();
        flat.remove("targetSipCredentials");
        if (credentials == null || credentials.isNull()) {
            if (!flat.hasNonNull("sipRegistrar")) throw new InvalidTestException("targetSipCredentials is required");
            return flat; // the top-level form
        }
        if (!credentials.isObject()) {
            throw new InvalidTestException("targetSipCredentials must be an object, got " + FieldSpec.shown(credentials));
        }
        for (String field : SIP_TARGET_FIELDS) {
            JsonNode value = credentials.get(field);
            if (value != null && !value.isNull()) {
                flat.set(field, value);
                labels.put(field, "targetSipCredentials." + field);
            } else if (!flat.hasNonNull(field)) {
                labels.put(field, "targetSipCredentials." + field);
            }
        }
        return flat;
    }
}
