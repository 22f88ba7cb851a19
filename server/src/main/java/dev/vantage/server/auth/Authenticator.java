package dev.vantage.server.auth;

import dev.vantage.server.api.ApiException;
import dev.vantage.server.store.Permission;
import dev.vantage.server.store.Store;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves the caller of a /v6 request from HTTP Basic (e-mail + API token) or Bearer credentials, and the account
 * group it runs in from {@code aid} (conventions.md §2, §4). Failed logins are counted per source IP in the store so
 * that the 401-flood rule holds across replicas.
 */
public final class Authenticator {
    /** 401s from one IP within a minute after which the IP gets 429 (conventions.md §2). */
    public static final int FLOOD_LIMIT = 100;
    private static final Duration LOGIN_RECORD_EVERY = Duration.ofMinutes(1);

    private final Store store;
    private final Clock clock;
    /** Last time lastLogin was written per user: recording every request would put a write on every read. */
    private final Map<Integer, Instant> loginWritten = new ConcurrentHashMap<>();

    public Authenticator(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** True when an Authorization header (or URL credentials, which arrive as Basic) is present. */
    public static boolean hasCredentials(String authorization) {
        return authorization != null && !authorization.isBlank();
    }

    /**
     * The caller, or an ApiException: 429 while the IP is flooding, 401 for missing or wrong credentials, 400 for a
     * malformed or unknown {@code aid}, 403 for a group the user is not in.
     */
    public Caller authenticate(String authorization, String aidParam, String remoteIp) {
        long window = minute(clock.instant());
        String floodKey = "auth401:" + remoteIp;
        if (store.windowCount(floodKey, window) >= FLOOD_LIMIT) {
            throw new ApiException(429, "too many failed authentication attempts from " + remoteIp
                    + "; try again after " + (window + 60) + " (epoch seconds)");
        }
        Optional<Store.User> user = user(authorization);
        if (user.isEmpty()) {
            store.incrementWindow(floodKey, window);
            throw new ApiException(401, hasCredentials(authorization)
                    ? "invalid credentials" : "authentication required: use HTTP Basic (e-mail and API token) or a Bearer token",
                    Map.of("WWW-Authenticate", "Basic realm=\"vantage\""));
        }
        Store.User u = user.get();
        Store.Organization org = store.organization(u.orgId())
                .orElseThrow(() -> new IllegalStateException("user " + u.uid() + " has no organization"));
        Store.AccountGroup group = group(u, aidParam);
        recordLogin(u);
        return new Caller(u, org, group, permissions(u.uid(), group.aid()));
    }

    public Set<Permission> permissions(int uid, int aid) {
        Set<Permission> permissions = EnumSet.noneOf(Permission.class);
        for (Store.Membership m : store.memberships(uid)) {
            if (m.aid() == aid) store.role(m.roleId()).ifPresent(r -> permissions.addAll(r.permissions()));
        }
        return permissions;
    }

    private Optional<Store.User> user(String authorization) {
        if (!hasCredentials(authorization)) return Optional.empty();
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0) return Optional.empty();
        String scheme = value.substring(0, space);
        String credentials = value.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) return Optional.empty();
            String email = decoded.substring(0, colon);
            String token = decoded.substring(colon + 1);
            return store.userByEmail(email).filter(u -> Tokens.matches(token, u.apiTokenHash()));
        }
        if (scheme.equalsIgnoreCase("Bearer")) {
            return store.userByBearerHash(Tokens.hash(credentials));
        }
        return Optional.empty();
    }

    private Store.AccountGroup group(Store.User user, String aidParam) {
        if (aidParam == null || aidParam.isBlank()) {
            return store.accountGroup(user.loginAid())
                    .orElseThrow(() -> new IllegalStateException("login account group of user " + user.uid() + " is gone"));
        }
        int aid;
        try {
            aid = Integer.parseInt(aidParam.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("aid must be an account group id (an integer), got " + aidParam);
        }
        // A group of another organization is reported like an unknown one: no leak of its existence.
        Store.AccountGroup group = store.accountGroup(aid).filter(g -> g.orgId() == user.orgId())
                .orElseThrow(() -> ApiException.badRequest("aid " + aid + " is not a known account group"));
        boolean member = store.memberships(user.uid()).stream().anyMatch(m -> m.aid() == aid);
        if (!member) {
            throw ApiException.forbidden("user " + user.email() + " is not assigned to account group " + aid);
        }
        return group;
    }

    private void recordLogin(Store.User user) {
        Instant now = clock.instant();
        Instant last = loginWritten.get(user.uid());
        if (last == null || Duration.between(last, now).compareTo(LOGIN_RECORD_EVERY) >= 0) {
            loginWritten.put(user.uid(), now);
            store.recordLogin(user.uid(), now);
        }
    }

    public static long minute(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), 60) * 60;
    }
}
