package dev.vantage.model.catalogue;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The test-metadata catalogue for all twelve instant-capable types (spec/test-metadata.md): required fields,
 * types, ranges, allowed values, defaults, and the fields the instant API accepts but ignores.
 */
public final class TestCatalogue {

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
        throw new IllegalStateException("catalogue pending");
    }
}
