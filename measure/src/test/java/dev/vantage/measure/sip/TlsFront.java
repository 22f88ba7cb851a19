package dev.vantage.measure.sip;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Debian's sipp is built without OpenSSL ({@code -t l1} refuses), so SIP over TLS is tested through a real TLS
 * server in front of it: socat's OpenSSL listener (self-signed certificate made here) relaying to sipp's TCP port.
 */
final class TlsFront implements AutoCloseable {
    final int port;
    private final Process process;
    private final Path log;

    private TlsFront(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** socat's own log, for failure messages. */
    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static TlsFront to(int tcpPort, Path dir) throws Exception {
        Path cert = dir.resolve("sip-cert.pem");
        Path key = dir.resolve("sip-key.pem");
        writeSelfSigned(cert, key);
        for (int attempt = 0; ; attempt++) {
            int port = Sipp.freePort();
            Path log = dir.resolve("socat-" + port + ".out");
            Process p = new ProcessBuilder(List.of("socat", "-d", "-d",
                    "OPENSSL-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,cert=" + cert + ",key=" + key + ",verify=0",
                    "TCP:127.0.0.1:" + tcpPort))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            TlsFront front = new TlsFront(port, p, log);
            if (front.awaitListening()) return front;
            front.close();
            if (attempt == 2) throw new IOException("socat did not start: " + front.log());
        }
    }

    private boolean awaitListening() throws IOException, InterruptedException {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (!process.isAlive()) return false;
            for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
                String[] f = line.strip().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static void writeSelfSigned(Path certFile, Path keyFile) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair keys = gen.generateKeyPair();
        X500Name name = new X500Name("CN=pbx.vantage.test");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), name, keys.getPublic());
        var cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        try (Writer w = Files.newBufferedWriter(certFile); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(cert);
        }
        try (Writer w = Files.newBufferedWriter(keyFile); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(keys.getPrivate());
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
