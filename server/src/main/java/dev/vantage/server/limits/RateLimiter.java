package dev.vantage.server.limits;

import dev.vantage.server.api.ApiException;
import dev.vantage.server.auth.Authenticator;
import dev.vantage.server.store.Store;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The v6 rate limits (conventions.md §8): a per-organization bucket for every request and an instant-test bucket
 * for instant create/rerun, fixed windows ending on whole UTC minutes, counted in the store so that replicas on
 * one database share them. Instant calls are charged to both buckets.
 */
public final class RateLimiter {
    public static final String ORG = "X-Organization-Rate-Limit-";
    public static final String INSTANT = "X-Instant-Test-Rate-Limit-";

    private final Store store;
    private final Clock clock;
    private final boolean enabled;

    public RateLimiter(Store store, Clock clock, boolean enabled) {
        this.store = store;
        this.clock = clock;
        this.enabled = enabled;
    }

    /**
     * Charges the request and returns the headers to send. Throws 429 (with the same headers) when a bucket is
     * exhausted; the instant bucket is checked even when the organization still has room.
     */
    public Map<String, String> charge(Store.Organization org, boolean instant) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (!enabled) return headers;
        long window = Authenticator.minute(clock.instant());
        long orgCount = store.incrementWindow("org:" + org.orgId(), window);
        put(headers, ORG, org.orgRateLimit(), orgCount, window);
        boolean exceeded = orgCount > org.orgRateLimit();
        String which = "organization";
        if (instant) {
            long instantCount = store.incrementWindow("instant:" + org.orgId(), window);
            put(headers, INSTANT, org.instantRateLimit(), instantCount, window);
            if (instantCount > org.instantRateLimit()) {
                exceeded = true;
                which = "instant-test";
            }
        }
        if (exceeded) {
            int limit = which.equals("organization") ? org.orgRateLimit() : org.instantRateLimit();
            throw new ApiException(429, "the " + which + " rate limit of " + limit
                    + " requests per minute is exhausted; it resets at " + (window + 60) + " (epoch seconds)", headers);
        }
        return headers;
    }

    private static void put(Map<String, String> headers, String prefix, int limit, long count, long window) {
        headers.put(prefix + "Limit", Integer.toString(limit));
        headers.put(prefix + "Remaining", Long.toString(Math.max(0, limit - count)));
        headers.put(prefix + "Reset", Long.toString(window + 60));
    }
}
