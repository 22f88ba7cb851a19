package dev.vantage.server.store;

import dev.vantage.server.ServerConfig;

import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link H2StoreTest}: opens the data directory another process holds open (as
 * {@code vantage agent-token --data DIR} does while the server runs), prints the agent tokens and adds an organization.
 */
public final class H2SecondProcess {
    public static void main(String[] args) {
        try (Store store = Stores.open(ServerConfig.defaults(Path.of(args[0])))) {
            store.organizations().forEach(o -> System.out.println("TOKEN " + o.agentToken()));
            store.createOrganization("From second process", "tok-second-process", 240, 24);
        }
    }
}
