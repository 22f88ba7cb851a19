package dev.vantage.server.store;

import java.util.Arrays;
import java.util.Optional;

/** The permissions this server checks (conventions.md §5). Ids are ours; labels are the v6 ones. */
public enum Permission {
    API_ACCESS(1, "API access", false),
    VIEW_TESTS(2, "View tests", false),
    EDIT_TESTS(3, "Edit tests", false),
    VIEW_AGENTS(4, "View agents", false),
    EDIT_AGENTS(5, "Edit agents", true),
    VIEW_ACCOUNT_GROUP_SETTINGS(6, "View all account groups settings", true),
    EDIT_ACCOUNT_GROUPS(7, "Edit all account groups", true),
    VIEW_USERS(8, "View all users", true),
    EDIT_USERS(9, "Edit users", true);

    private final int id;
    private final String label;
    private final boolean management;

    Permission(int id, String label, boolean management) {
        this.id = id;
        this.label = label;
        this.management = management;
    }

    public int id() { return id; }
    public String label() { return label; }
    public boolean management() { return management; }

    public static Optional<Permission> byId(int id) {
        return Arrays.stream(values()).filter(p -> p.id == id).findFirst();
    }
}
