package dev.vantage.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.model.Json;
import dev.vantage.model.agent.AgentProtocol;
import dev.vantage.model.agent.AgentProtocol.Hello;
import dev.vantage.model.agent.AgentProtocol.Task;
import dev.vantage.model.agent.AgentProtocol.TaskBatch;
import dev.vantage.model.agent.AgentProtocol.TaskResult;
import dev.vantage.model.agent.AgentProtocol.Welcome;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's side of the agent protocol over OkHttp. IOExceptions mean "server unreachable"; refusals are typed. */
final class ServerClient implements AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");

    /** The server answered but refused the call (4xx/5xx), with its errorMessage. */
    static final class Refused extends IOException {
        final int status;

        Refused(int status, String message) {
            super("server answered " + status + ": " + message);
            this.status = status;
        }
    }

    private final OkHttpClient http;
    private final HttpUrl base;
    private final String token;
    private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();

    ServerClient(AgentSettings settings) {
        HttpUrl url = HttpUrl.get(settings.serverUrl().toString());
        this.base = url;
        this.token = settings.token();
        this.http = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(5))
                .readTimeout(Duration.ZERO) // each call sets its own whole-call timeout (a poll waits long)
                .writeTimeout(Duration.ofSeconds(30))
                .retryOnConnectionFailure(true)
                .build();
    }

    Welcome hello(Hello hello) throws IOException {
        Request request = request("agent/v1/hello", null).post(body(hello)).build();
        try (Response response = execute(request, Duration.ofSeconds(30))) {
            return read(response, Welcome.class);
        }
    }

    /** Long-polls for tasks; an empty list when none arrived within {@code wait}. */
    List<Task> poll(int agentId, Duration wait, int max) throws IOException {
        HttpUrl url = base.newBuilder().addPathSegments("agent/v1/tasks")
                .addQueryParameter("wait", Long.toString(wait.toSeconds()))
                .addQueryParameter("max", Integer.toString(max)).build();
        Request request = new Request.Builder().url(url).header("Authorization", "Bearer " + token)
                .header(AgentProtocol.AGENT_ID_HEADER, Integer.toString(agentId)).get().build();
        // The server holds the poll for up to `wait`; allow for it plus a margin before calling it dead.
        try (Response response = execute(request, wait.plusSeconds(15))) {
            if (response.code() == 204) return List.of();
            TaskBatch batch = read(response, TaskBatch.class);
            return batch.tasks() == null ? List.of() : batch.tasks();
        }
    }

    void upload(int agentId, TaskResult result) throws IOException {
        Request request = request("agent/v1/results", agentId).post(body(result)).build();
        try (Response response = execute(request, Duration.ofSeconds(30))) {
            if (response.code() != 204 && response.code() != 200) {
                throw refused(response);
            }
        }
    }

    /** Tells the server this agent is leaving, so polls it abandons take no more tasks. */
    void bye(int agentId) throws IOException {
        Request request = request("agent/v1/bye", agentId).post(RequestBody.create(new byte[0], JSON)).build();
        try (Response response = execute(request, Duration.ofSeconds(2))) {
            if (response.code() != 204 && response.code() != 200) throw refused(response);
        }
    }

    /** Cancels calls in flight (a waiting poll) so shutdown does not wait for them. */
    void cancelAll() {
        inFlight.forEach(Call::cancel);
    }

    @Override
    public void close() {
        cancelAll();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private Request.Builder request(String path, Integer agentId) {
        Request.Builder builder = new Request.Builder().url(base.newBuilder().addPathSegments(path).build())
                .header("Authorization", "Bearer " + token);
        if (agentId != null) builder.header(AgentProtocol.AGENT_ID_HEADER, agentId.toString());
        return builder;
    }

    private Response execute(Request request, Duration timeout) throws IOException {
        Call call = http.newCall(request);
        call.timeout().timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        inFlight.add(call);
        try {
            return call.execute();
        } finally {
            inFlight.remove(call);
        }
    }

    private static RequestBody body(Object value) throws IOException {
        return RequestBody.create(Json.MAPPER.writeValueAsBytes(value), JSON);
    }

    private static <T> T read(Response response, Class<T> type) throws IOException {
        if (!response.isSuccessful()) throw refused(response);
        ResponseBody body = response.body();
        if (body == null) throw new IOException("server answered " + response.code() + " without a body");
        return Json.MAPPER.readValue(body.bytes(), type);
    }

    private static Refused refused(Response response) throws IOException {
        String message = "";
        ResponseBody body = response.body();
        if (body != null) {
            String text = body.string();
            message = text;
            try {
                JsonNode node = Json.MAPPER.readTree(text);
                if (node != null && node.hasNonNull("errorMessage")) message = node.get("errorMessage").asText();
            } catch (IOException notJson) {
                // keep the raw text
            }
        }
        return new Refused(response.code(), message.isBlank() ? response.message() : message);
    }
}
