package dev.vantage.server.api;

import java.util.Map;

/** A request that ends with a v6 error: the status and the {@code errorMessage} the client sees. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    public ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    public ApiException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    public int status() { return status; }

    public Map<String, String> headers() { return headers; }

    public static ApiException badRequest(String message) { return new ApiException(400, message); }

    public static ApiException notFound(String message) { return new ApiException(404, message); }

    public static ApiException forbidden(String message) { return new ApiException(403, message); }
}
