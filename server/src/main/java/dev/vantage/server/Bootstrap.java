package dev.vantage.server;

import dev.vantage.server.auth.Tokens;
import dev.vantage.server.store.Permission;
import dev.vantage.server.store.Store;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * First start of an empty store: the built-in roles, an organization with its default account group and agent
 * token, and an admin user. Tokens are stored only as hashes; {@link FirstStart} carries them once to whoever
 * prints them. Also the admin operations the CLI and the tests need (more users, groups, roles).
 */
public final class Bootstrap {
    private Bootstrap() {}

    public static final String ORG_ADMIN = "Organization Admin";
    public static final String ACCOUNT_ADMIN = "Account Admin";
    public static final String REGULAR_USER = "Regular User";
    public static final String DEFAULT_GROUP = "Default";

    /** Admin credentials to use on first start; null fields are generated. */
    public record AdminSeed(String email, String apiToken, String bearerToken) {
        public static AdminSeed generated() {
            return new AdminSeed(null, null, null);
        }
    }

    /** What a first start created, tokens in clear, to be shown once. */
    public record FirstStart(String email, String apiToken, String bearerToken, String agentToken,
                             boolean tokensGiven) {}

    /** A user's credentials in clear, right after creation. */
    public record Credentials(int uid, String email, String apiToken, String bearerToken) {}

    /** Seeds an empty store; does nothing (empty) when the store already holds an organization. */
    public static synchronized Optional<FirstStart> seedIfEmpty(Store store, AdminSeed seed, ServerConfig config) {
        if (!store.isEmpty()) return Optional.empty();
        builtinRoles(store);
        String agentToken = Tokens.newAgentToken();
        Store.Organization org = store.createOrganization("Vantage", agentToken, config.orgRateLimit(), config.instantRateLimit());
        Store.AccountGroup group = store.createAccountGroup(org.orgId(), DEFAULT_GROUP);
        String email = seed.email() != null ? seed.email() : "admin@vantage.local";
        String apiToken = seed.apiToken() != null ? seed.apiToken() : Tokens.newApiToken();
        String bearer = seed.bearerToken() != null ? seed.bearerToken() : Tokens.newBearerToken();
        Store.User admin = store.createUser(org.orgId(), "Administrator", email, Tokens.hash(apiToken),
                Tokens.hash(bearer), group.aid());
        store.assignRole(admin.uid(), group.aid(), role(store, ORG_ADMIN).roleId());
        return Optional.of(new FirstStart(email, apiToken, bearer, agentToken,
                seed.apiToken() != null && seed.bearerToken() != null));
    }

    /** The three built-in roles of conventions.md §5, shared by every organization. */
    static void builtinRoles(Store store) {
        if (store.roleByName(null, ORG_ADMIN).isEmpty()) {
            store.createRole(null, ORG_ADMIN, true, EnumSet.allOf(Permission.class));
        }
        if (store.roleByName(null, ACCOUNT_ADMIN).isEmpty()) {
            store.createRole(null, ACCOUNT_ADMIN, true, EnumSet.of(Permission.API_ACCESS, Permission.VIEW_TESTS,
                    Permission.EDIT_TESTS, Permission.VIEW_AGENTS, Permission.EDIT_AGENTS,
                    Permission.VIEW_ACCOUNT_GROUP_SETTINGS));
        }
        if (store.roleByName(null, REGULAR_USER).isEmpty()) {
            store.createRole(null, REGULAR_USER, true,
                    EnumSet.of(Permission.API_ACCESS, Permission.VIEW_TESTS, Permission.VIEW_AGENTS));
        }
    }

    public static Store.Role role(Store store, String builtinName) {
        return store.roleByName(null, builtinName)
                .orElseThrow(() -> new IllegalStateException("built-in role " + builtinName + " is missing"));
    }

    /** The first organization (the one a first start created). */
    public static Store.Organization organization(Store store) {
        List<Store.Organization> orgs = store.organizations();
        if (orgs.isEmpty()) throw new IllegalStateException("the store holds no organization yet; start the server once");
        return orgs.getFirst();
    }

    public static String agentToken(Store store) {
        return organization(store).agentToken();
    }

    /** A new user with one role in each of the given groups; the first group is its login group. */
    public static Credentials createUser(Store store, int orgId, String name, String email, Store.Role role, int... aids) {
        String apiToken = Tokens.newApiToken();
        String bearer = Tokens.newBearerToken();
        Store.User user = store.createUser(orgId, name, email, Tokens.hash(apiToken), Tokens.hash(bearer), aids[0]);
        for (int aid : aids) store.assignRole(user.uid(), aid, role.roleId());
        return new Credentials(user.uid(), email, apiToken, bearer);
    }

    /** A new account group; every Organization Admin of the organization gets that role in it too. */
    public static Store.AccountGroup createAccountGroup(Store store, int orgId, String name) {
        Store.AccountGroup group = store.createAccountGroup(orgId, name);
        int orgAdmin = role(store, ORG_ADMIN).roleId();
        for (Store.User user : store.users(orgId)) {
            boolean isOrgAdmin = store.memberships(user.uid()).stream().anyMatch(m -> m.roleId() == orgAdmin);
            if (isOrgAdmin) store.assignRole(user.uid(), group.aid(), orgAdmin);
        }
        return group;
    }

    public static Store.Role customRole(Store store, int orgId, String name, Set<Permission> permissions) {
        return store.createRole(orgId, name, false, permissions);
    }

    /** A second organization with its own group, admin and agent token (used to prove isolation). */
    public static Credentials createOrganization(Store store, String name, String adminEmail, ServerConfig config) {
        builtinRoles(store);
        Store.Organization org = store.createOrganization(name, Tokens.newAgentToken(), config.orgRateLimit(),
                config.instantRateLimit());
        Store.AccountGroup group = store.createAccountGroup(org.orgId(), DEFAULT_GROUP);
        return createUser(store, org.orgId(), "Administrator", adminEmail, role(store, ORG_ADMIN), group.aid());
    }
}
