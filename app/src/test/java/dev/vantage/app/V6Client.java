package dev.vantage.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.model.Json;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** A plain v6 client over real HTTP with Basic auth, as a user's script would be. */
final class V6Client implements AutoCloseable {
    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON (" + status + "): " + body, e);
            }
        }
    }

    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();
    private final String base;
    private final String authorization;

    V6Client(String base, String email, String token) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.authorization = Credentials.basic(email, token);
    }

    Reply get(String path) {
        return call(new Request.Builder().url(base + path).get());
    }

    Reply post(String path, String json) {
        return call(new Request.Builder().url(base + path)
                .post(RequestBody.create(json, MediaType.get("application/json"))));
    }

    private Reply call(Request.Builder request) {
        try (Response r = http.newCall(request.header("Authorization", authorization)
                .header("Accept", "application/json").build()).execute()) {
            return new Reply(r.code(), r.body() == null ? "" : r.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
