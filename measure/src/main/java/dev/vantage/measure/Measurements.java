package dev.vantage.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vantage.model.DataKind;

import java.util.List;
import java.util.Map;

/** Runs the engine for a test type on a stored test definition; what the agent's runner calls. */
public final class Measurements {
    private Measurements() {}

    /**
     * @param type       test type wire name, e.g. {@code http-server}
     * @param definition the test definition as stored by the server, secrets included
     * @return records per data kind, without the common fields the server adds
     */
    public static Map<DataKind, List<ObjectNode>> run(String type, ObjectNode definition, RunContext ctx)
            throws InterruptedException {
        throw new IllegalStateException("engines pending");
    }
}
