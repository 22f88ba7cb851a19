package dev.vantage.measure.http;

import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Handshake;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.List;

/**
 * Records the System.nanoTime() of each phase of one call from OkHttp's events (spec/methods.md §9.5).
 * Zero means the event did not happen (e.g. no DNS or connect on a reused connection).
 */
final class PhaseTimer extends EventListener {
    long callStart, dnsStart, dnsEnd, connectStart, secureStart, secureEnd, connectEnd;
    long requestStart, requestEnd, responseStart, responseEnd;
    long bodyBytes = -1;
    String serverIp;
    Handshake handshake;
    List<java.security.cert.Certificate> peerCertificates = List.of();
    Request sentRequest;
    Response receivedResponse;

    @Override public void callStart(Call call) { callStart = System.nanoTime(); }
    @Override public void dnsStart(Call call, String domainName) { dnsStart = System.nanoTime(); }
    @Override public void dnsEnd(Call call, String domainName, List<InetAddress> list) { dnsEnd = System.nanoTime(); }
    @Override public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
        connectStart = System.nanoTime();
        serverIp = address.getAddress().getHostAddress();
    }
    @Override public void secureConnectStart(Call call) { secureStart = System.nanoTime(); }
    @Override public void secureConnectEnd(Call call, Handshake handshake) {
        secureEnd = System.nanoTime();
        this.handshake = handshake;
    }
    @Override public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
        connectEnd = System.nanoTime();
    }
    @Override public void connectionAcquired(Call call, okhttp3.Connection connection) {
        if (serverIp == null) serverIp = connection.socket().getInetAddress().getHostAddress();
        if (handshake == null) handshake = connection.handshake();
        // the chain as the server sent it: OkHttp's cleaned chain is empty when certificates are not verified
        if (connection.socket() instanceof javax.net.ssl.SSLSocket ssl) {
            try {
                peerCertificates = List.of(ssl.getSession().getPeerCertificates());
            } catch (javax.net.ssl.SSLPeerUnverifiedException ignored) {
                // no certificates to report
            }
        }
    }
    @Override public void requestHeadersStart(Call call) { requestStart = System.nanoTime(); }
    @Override public void requestHeadersEnd(Call call, Request request) {
        requestEnd = System.nanoTime();
        sentRequest = request;
    }
    @Override public void requestBodyEnd(Call call, long byteCount) { requestEnd = System.nanoTime(); }
    @Override public void responseHeadersStart(Call call) { responseStart = System.nanoTime(); }
    @Override public void responseHeadersEnd(Call call, Response response) { receivedResponse = response; }
    @Override public void responseBodyEnd(Call call, long byteCount) {
        responseEnd = System.nanoTime();
        bodyBytes = byteCount;
    }

    boolean connected() { return connectEnd != 0; }

    static Long millis(long from, long to) {
        return from == 0 || to == 0 ? null : Math.round((to - from) / 1e6);
    }
}
