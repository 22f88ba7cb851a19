package dev.vantage.measure.sip;

import dev.vantage.measure.Engine;
import dev.vantage.measure.RunContext;

import javax.net.ssl.SSLException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Probes a SIP server the way a v6 sip-server test does: resolve the registrar (or outbound proxy), connect (TCP,
 * TLS) or not (UDP), send OPTIONS and, with {@code registerEnabled}, REGISTER, each answering one digest
 * challenge (401 WWW-Authenticate or 407 Proxy-Authenticate) when the test has a password. Each request is one
 * RFC 3261 non-INVITE client transaction: on UDP it is retransmitted on Timer E (T1 = 500 ms doubling to T2 = 4 s)
 * until a final response or the {@code sipTimeLimit} deadline; on TCP/TLS it is sent once. No redirect is
 * followed and nothing is retried. Failures are records whose {@code errorType} names the phase and whose
 * {@code problemDetail} names the step.
 */
public final class SipServerEngine implements Engine<SipSpec, SipRecord> {
    static final long T1_MILLIS = 500;
    static final long T2_MILLIS = 4_000;
    static final String USER_AGENT = "Vantage/0.1 (sip-server test)";
    private static final int EXPIRES = 60;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    public SipRecord run(SipSpec spec, RunContext ctx) throws InterruptedException {
        long start = System.nanoTime();
        long limitMillis = Math.min(spec.timeLimitSeconds() * 1000L, ctx.remainingMillis());
        return new Probe(spec, start, limitMillis).run();
    }

    /** One run's state: what was measured so far, so that a failure keeps every phase that did happen. */
    private static final class Probe {
        private final SipSpec spec;
        private final long start;
        private final long deadline;
        private final String limit;
        private String serverIp;
        private Long dnsNanos;
        private Long connectNanos;
        private Exchange options;
        private Exchange register;
        private int cseq = 0;

        Probe(SipSpec spec, long start, long limitMillis) {
            this.spec = spec;
            this.start = start;
            this.deadline = start + limitMillis * 1_000_000L;
            this.limit = limitMillis % 1000 == 0 ? limitMillis / 1000 + " s" : limitMillis + " ms";
        }

        SipRecord run() throws InterruptedException {
            InetAddress address;
            try {
                address = resolve(spec.nextHop());
            } catch (UnknownHostException e) {
                return result("DNS", "could not resolve " + spec.nextHop() + ": " + message(e));
            } catch (TimeoutException e) {
                return result("DNS", "could not resolve " + spec.nextHop() + " within " + limit);
            }
            serverIp = address.getHostAddress();
            InetSocketAddress target = new InetSocketAddress(address, spec.port());
            InetAddress source;
            try {
                source = spec.sourceIpAddress() == null ? null : InetAddress.ofLiteral(spec.sourceIpAddress());
            } catch (IllegalArgumentException e) {
                return result("Connect", "sourceIpAddress is not an IP address: " + spec.sourceIpAddress());
            }
            SipTransport transport;
            try {
                transport = open(target, source);
            } catch (Failure f) {
                return result(f.type, f.getMessage());
            }
            try {
                options = exchange(transport, "OPTIONS");
                if (options.failure != null) return result(options.failure.type, options.failure.getMessage());
                String problem = optionsProblem(options.finalResponse);
                if (problem != null) return result(spec.optionsRegex() != null ? "Content" : "SIP", problem);
                if (spec.register()) {
                    register = exchange(transport, "REGISTER");
                    if (register.failure != null) return result(register.failure.type, register.failure.getMessage());
                    SipResponse r = register.finalResponse;
                    if (r.code() < 200 || r.code() >= 300) {
                        return result("SIP", "REGISTER answered " + r.statusLine() + authNote(register));
                    }
                }
                return result("None", null);
            } finally {
                closeQuietly(transport);
            }
        }

        /** Name resolution on a virtual thread so that a hanging resolver cannot outlast the deadline. */
        private InetAddress resolve(String host) throws UnknownHostException, TimeoutException, InterruptedException {
            String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            try {
                return InetAddress.ofLiteral(literal); // no lookup for an address: dnsTime stays null
            } catch (IllegalArgumentException notLiteral) {
                // a name: resolve it below
            }
            long t0 = System.nanoTime();
            // The JDK cannot interrupt a lookup: one that outlives the deadline ends on its own, unwaited for.
            CompletableFuture<InetAddress> lookup = new CompletableFuture<>();
            Thread.ofVirtual().name("sip-dns").start(() -> {
                try {
                    lookup.complete(InetAddress.getByName(host));
                } catch (Throwable e) {
                    lookup.completeExceptionally(e);
                }
            });
            try {
                InetAddress a = lookup.get(Math.max(1, SipTransport.millisUntil(deadline)), TimeUnit.MILLISECONDS);
                dnsNanos = System.nanoTime() - t0;
                return a;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownHostException u) throw u;
                throw new UnknownHostException(message(e.getCause()));
            }
        }

        private SipTransport open(InetSocketAddress target, InetAddress source) throws Failure {
            if (spec.protocol().equals("UDP")) {
                try {
                    return new SipTransport.Udp(target, source);
                } catch (IOException e) {
                    throw new Failure("Connect", "cannot open a UDP socket to " + describe(target) + ": " + message(e));
                }
            }
            long t0 = System.nanoTime();
            Socket socket;
            try {
                socket = SipTransport.Stream.connect(target, source, deadline);
            } catch (SocketTimeoutException e) {
                throw new Failure("Connect", "no TCP connection to " + describe(target) + " within " + limit);
            } catch (IOException e) {
                throw new Failure("Connect", "cannot connect to " + describe(target) + ": " + message(e));
            }
            try {
                SipTransport t = spec.protocol().equals("TLS")
                        ? SipTransport.Stream.tls(socket, spec.nextHop(), deadline)
                        : SipTransport.Stream.tcp(socket);
                connectNanos = System.nanoTime() - t0;
                return t;
            } catch (IOException e) {
                closeQuietly(socket);
                String what = e instanceof SocketTimeoutException ? "no TLS handshake within " + limit
                        : "TLS handshake with " + describe(target) + " failed: " + message(e);
                throw new Failure("SSL", what);
            }
        }

        /** One request, answering one digest challenge when the test has a password. */
        private Exchange exchange(SipTransport transport, String method) {
            Exchange x = new Exchange(method);
            String callId = hex(12) + "@vantage";
            String fromTag = hex(6);
            String authorization = null;
            boolean answeredChallenge = false;
            while (true) {
                cseq++;
                String branch = "z9hG4bK" + hex(10);
                String request = request(transport, method, callId, fromTag, branch, authorization);
                x.sent.add(request);
                SipResponse response;
                try {
                    response = transaction(transport, x, request.getBytes(StandardCharsets.UTF_8), branch, cseq + " " + method);
                } catch (Failure f) {
                    x.failure = f;
                    return x;
                }
                boolean challenge = response.code() == 401 || response.code() == 407;
                if (!challenge || answeredChallenge || spec.password() == null) {
                    x.finalResponse = response;
                    x.finalAt = System.nanoTime();
                    return x;
                }
                String header = response.code() == 401 ? "www-authenticate" : "proxy-authenticate";
                DigestAuth.Challenge c = DigestAuth.choose(response.all(header));
                if (c == null) {
                    x.finalResponse = response;
                    x.finalAt = System.nanoTime();
                    x.note = " (no Digest challenge this agent can answer: " + String.join(" | ", response.all(header)) + ")";
                    return x;
                }
                authorization = (response.code() == 401 ? "Authorization: " : "Proxy-Authorization: ")
                        + DigestAuth.authorization(c, spec.digestUser(), spec.password(), method,
                        requestUri(transport, method), "", 1, null);
                answeredChallenge = true;
            }
        }

        /**
         * One non-INVITE client transaction (RFC 3261 §17.1.2): the final response whose top Via branch and CSeq are
         * ours. Responses of other transactions (late retransmissions) are skipped. UDP: Timer E retransmits at T1,
         * doubling up to T2, and at T2 once a provisional response has come.
         */
        private SipResponse transaction(SipTransport transport, Exchange x, byte[] request, String branch, String cseqValue)
                throws Failure {
            int transmissions = 0;
            long interval = T1_MILLIS;
            boolean proceeding = false;
            long nextRetransmit;
            try {
                send(transport, request, x);
                transmissions++;
                nextRetransmit = System.nanoTime() + interval * 1_000_000L;
                while (true) {
                    long wake = transport.reliable() ? deadline : Math.min(nextRetransmit, deadline);
                    SipResponse r = transport.receive(wake);
                    long now = System.nanoTime();
                    if (r == null) {
                        if (now - deadline >= 0) {
                            String sent = transport.reliable() ? "" : " (" + transmissions + " transmissions)";
                            throw new Failure("Timeout", x.method + ": no " + (proceeding ? "final " : "")
                                    + "response within " + limit + sent);
                        }
                        send(transport, request, x);
                        transmissions++;
                        interval = proceeding ? T2_MILLIS : Math.min(interval * 2, T2_MILLIS);
                        nextRetransmit = now + interval * 1_000_000L;
                        continue;
                    }
                    if (!branch.equals(r.topBranch()) || !cseqValue.equalsIgnoreCase(r.cseq())) continue;
                    if (x.firstResponseAt == null) x.firstResponseAt = now;
                    x.received.add(r.text());
                    if (r.provisional()) {
                        proceeding = true;
                        continue;
                    }
                    return r;
                }
            } catch (Failure f) {
                throw f;
            } catch (PortUnreachableException e) {
                throw new Failure("Connect", x.method + ": " + describe(transport) + " is unreachable (ICMP port unreachable)");
            } catch (SipProtocolException e) {
                throw new Failure("Receive", x.method + ": malformed response: " + e.getMessage());
            } catch (IOException e) {
                throw new Failure("Receive", x.method + ": " + message(e));
            }
        }

        private void send(SipTransport transport, byte[] request, Exchange x) throws Failure {
            try {
                transport.send(request);
                if (x.sentAt == 0) x.sentAt = System.nanoTime();
            } catch (PortUnreachableException e) {
                throw new Failure("Connect", x.method + ": " + describe(transport) + " is unreachable (ICMP port unreachable)");
            } catch (IOException e) {
                throw new Failure("Send", x.method + ": could not send: " + message(e));
            }
        }

        private String request(SipTransport transport, String method, String callId, String fromTag, String branch,
                               String authorization) {
            InetSocketAddress local = transport.local();
            String localHost = host(local.getAddress().getHostAddress()) + ":" + local.getPort();
            String aor = "sip:" + spec.userOrDefault() + "@" + host(spec.registrar());
            String uri = requestUri(transport, method);
            StringBuilder m = new StringBuilder(method).append(' ').append(uri).append(" SIP/2.0\r\n")
                    .append("Via: SIP/2.0/").append(transport.name()).append(' ').append(localHost)
                    .append(";branch=").append(branch).append(";rport\r\n")
                    .append("Max-Forwards: 70\r\n")
                    .append("From: <").append(aor).append(">;tag=").append(fromTag).append("\r\n")
                    .append("To: <").append(method.equals("REGISTER") ? aor : uri).append(">\r\n")
                    .append("Call-ID: ").append(callId).append("\r\n")
                    .append("CSeq: ").append(cseq).append(' ').append(method).append("\r\n")
                    .append("Contact: <sip:").append(spec.userOrDefault()).append('@').append(localHost)
                    .append(transport.name().equals("UDP") ? "" : ";transport=" + transport.name().toLowerCase())
                    .append(">\r\n");
            if (method.equals("REGISTER")) m.append("Expires: ").append(EXPIRES).append("\r\n");
            if (method.equals("OPTIONS")) m.append("Accept: application/sdp\r\n");
            if (authorization != null) m.append(authorization).append("\r\n");
            m.append("User-Agent: ").append(USER_AGENT).append("\r\n")
                    .append("Content-Length: 0\r\n\r\n");
            return m.toString();
        }

        /** OPTIONS goes to the server itself; REGISTER to the registrar's domain, without a user part (§10.2). */
        private String requestUri(SipTransport transport, String method) {
            String hostPort = host(spec.registrar());
            if (method.equals("OPTIONS") || spec.port() != (transport.name().equals("TLS") ? 5061 : 5060)) {
                hostPort += ":" + spec.port();
            }
            return "sip:" + hostPort + (transport.name().equals("UDP") ? "" : ";transport=" + transport.name().toLowerCase());
        }

        /** null when the OPTIONS answer is what the test expects: optionsRegex when set, else a 2xx. */
        private String optionsProblem(SipResponse r) {
            if (spec.optionsRegex() != null) {
                try {
                    if (Pattern.compile(spec.optionsRegex()).matcher(r.text()).find()) return null;
                } catch (PatternSyntaxException e) {
                    return "optionsRegex is not a valid regular expression: " + e.getDescription();
                }
                return "OPTIONS: the response (" + r.statusLine() + ") did not match the regex " + spec.optionsRegex();
            }
            if (r.code() >= 200 && r.code() < 300) return null;
            return "OPTIONS answered " + r.statusLine() + authNote(options);
        }

        private String authNote(Exchange x) {
            int code = x.finalResponse.code();
            if (code != 401 && code != 407) return "";
            if (x.note != null) return x.note;
            return spec.password() == null ? " (the test has no password to answer the challenge)"
                    : " (credentials of " + spec.digestUser() + " refused)";
        }

        /** The record of what was measured, ending with {@code errorType} ("None" when all went as expected). */
        private SipRecord result(String errorType, String detail) {
            Exchange first = options;
            Exchange last = register != null ? register : options;
            Long wait = first == null || first.firstResponseAt == null ? null : millis(first.firstResponseAt - first.sentAt);
            Long response = first == null || first.firstResponseAt == null ? null : millis(first.firstResponseAt - start);
            Long optionsTime = first == null || first.finalResponse == null ? null : millis(first.finalAt - first.sentAt);
            Long registerTime = register == null || register.finalResponse == null ? null
                    : millis(register.finalAt - register.sentAt);
            Long total = last == null || last.finalResponse == null ? null : millis(last.finalAt - start);
            Integer code = last == null || last.finalResponse == null ? null : last.finalResponse.code();
            boolean ok = errorType.equals("None");
            return new SipRecord(serverIp, spec.password() != null || spec.authUser() != null ? spec.digestUser() : null,
                    ok ? 100.0 : 0.0, dnsNanos == null ? null : millis(dnsNanos),
                    connectNanos == null ? null : millis(connectNanos), wait, response, optionsTime, registerTime,
                    total, code == null ? null : 0, code,
                    first == null || first.sent.isEmpty() ? null : String.join("\n", first.sent),
                    first == null || first.received.isEmpty() ? null : String.join("\n", first.received),
                    errorType, detail);
        }

        private String describe(InetSocketAddress a) {
            return host(a.getAddress().getHostAddress()) + ":" + a.getPort() + " (" + spec.protocol() + ")";
        }

        private String describe(SipTransport t) {
            return host(serverIp) + ":" + spec.port() + " (" + t.name() + ")";
        }
    }

    /** What one method's exchange (with its possible authenticated retry) saw. */
    private static final class Exchange {
        final String method;
        final List<String> sent = new ArrayList<>();
        final List<String> received = new ArrayList<>();
        long sentAt;
        Long firstResponseAt;
        SipResponse finalResponse;
        long finalAt;
        Failure failure;
        String note;

        Exchange(String method) {
            this.method = method;
        }
    }

    /** A failed phase: {@code type} is the record's errorType. */
    private static final class Failure extends Exception {
        final String type;

        Failure(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    private static String host(String h) {
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String message(Throwable e) {
        if (e instanceof SSLException) return "TLS: " + e.getMessage();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void closeQuietly(Closeable s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
