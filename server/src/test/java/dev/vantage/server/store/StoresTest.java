package dev.vantage.server.store;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Opening a store: the errors a user sees when the database cannot be had, and URL handling. */
class StoresTest {

    @Test
    void anUnreachableDatabaseIsAClearErrorWithoutTheParameters() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/test?password=hunter2";
        assertThatThrownBy(() -> Stores.open(url, "postgres", null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot connect to database jdbc:postgresql://127.0.0.1:" + closedPort + "/test: ")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void anEmptyUrlIsRefused() {
        assertThatThrownBy(() -> Stores.open(" ", null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("JDBC URL is empty");
    }

    @Test
    void theSchemaToMigrateComesFromCurrentSchema() {
        assertThat(Stores.currentSchema("jdbc:postgresql://db/vantage?ssl=true&currentSchema=tenant_1")).contains("tenant_1");
        assertThat(Stores.currentSchema("jdbc:postgresql://db/vantage")).isEmpty();
        assertThat(Stores.currentSchema("jdbc:h2:mem:x;currentSchema=x")).isEmpty();
    }
}
