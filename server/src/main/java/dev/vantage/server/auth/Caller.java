package dev.vantage.server.auth;

import dev.vantage.server.api.ApiException;
import dev.vantage.server.store.Permission;
import dev.vantage.server.store.Store;

import java.util.Set;

/**
 * Who is calling and in which account group the request runs, with the permissions the user holds there.
 */
public record Caller(Store.User user, Store.Organization organization, Store.AccountGroup group,
                     Set<Permission> permissions) {

    public int aid() {
        return group.aid();
    }

    /** {@code "Name (email)"}, the v6 form of createdBy. */
    public String displayName() {
        return user.name() + " (" + user.email() + ")";
    }

    public void require(Permission permission) {
        if (!permissions.contains(permission)) {
            throw ApiException.forbidden("user " + user.email() + " lacks the permission '" + permission.label()
                    + "' in account group " + group.aid());
        }
    }

    public boolean hasManagementPermission() {
        return permissions.stream().anyMatch(Permission::management);
    }
}
