package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The catalogue entry of one test type: its field table, the data endpoints it fills, and the small rules that a
 * table cannot express (cross-field checks, computed read-only fields).
 *
 * @param fields          the type's own fields (the common fields of test-metadata.md §1 are added by the catalogue)
 * @param sourceIpAllowed whether {@code agents[].sourceIpAddress} may be sent
 * @param network         whether the type runs network measurements (net/metrics and net/path-vis)
 * @param ownData         the type's own data endpoints, in {@code apiLinks} order, before the network ones
 * @param defaultName     the {@code testName} when none is sent, from the validated definition
 * @param rules           run in order after every field passed its own check
 */
record TypeSpec(TestType type, List<FieldSpec> fields, boolean sourceIpAllowed, Network network,
                List<DataKind> ownData, Function<ObjectNode, String> defaultName, List<Rule> rules) {

    enum Network {
        /** no network layer */
        NONE,
        /** always runs network measurements */
        ALWAYS,
        /** runs them when {@code networkMeasurements} is 1 (the network-measurement block, §2.1) */
        OPTIONAL
    }

    TypeSpec {
        fields = List.copyOf(fields);
        ownData = List.copyOf(ownData);
        rules = List.copyOf(rules);
    }

    /** A per-type check or fill-in on the draft definition. */
    @FunctionalInterface
    interface Rule {
        void apply(Draft draft) throws InvalidTestException;
    }

    /**
     * The working state of one validation.
     *
     * @param body       the request body (for sip-server: with the nested credentials flattened onto it)
     * @param definition the definition being built
     * @param secrets    write-only values
     * @param labels     field name -> name to use in messages, where it differs (targetSipCredentials.port)
     */
    record Draft(ObjectNode body, ObjectNode definition, ObjectNode secrets, Map<String, String> labels) {
        String label(String field) {
            return labels.getOrDefault(field, field);
        }

        int intOf(String field) {
            return definition.path(field).asInt();
        }

        String textOf(String field) {
            return definition.path(field).asText();
        }

        InvalidTestException error(String message) {
            return new InvalidTestException(message);
        }
    }
}
