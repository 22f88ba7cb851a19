package dev.vantage.measure.ftp;

import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.DefaultFtplet;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.ftplet.FtpSession;
import org.apache.ftpserver.ftplet.FtpletResult;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.ssl.SslConfiguration;
import org.apache.ftpserver.ssl.SslConfigurationFactory;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.WritePermission;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Real file servers on loopback for the tests: Apache MINA FtpServer with three listeners (plain FTP, FTP with
 * AUTH TLS, implicit FTPS; one self-signed certificate made here) and Apache MINA SSHD serving SFTP, all on one
 * temporary home directory with a user, a file of known size, an empty directory and an upload directory.
 * Every command a session sends is recorded per user name, so tests can see what went over the wire.
 */
final class LocalFtpServer implements AutoCloseable {
    static final String USER = "vantage";
    static final String PASSWORD = "s3cret";
    static final String FILE = "data.bin";
    static final int FILE_SIZE = 4 * 1024 * 1024;
    static final String UPLOADS = "incoming";
    static final String EMPTY = "empty";

    final Path home;
    final FtpServer ftp;
    final SshServer ssh;
    final int plainPort, explicitPort, implicitPort, sftpPort;
    /** Commands received, in order, across all FTP sessions since the last {@link #clearCommands()}. */
    final List<String> commands = new CopyOnWriteArrayList<>();
    /** Whether each FTP session's control connection was secure at its last command, by session id. */
    final Map<String, Boolean> secureSessions = new ConcurrentHashMap<>();
    /** The client address of each FTP session's control connection, by session id. */
    final Map<String, String> clientAddresses = new ConcurrentHashMap<>();

    LocalFtpServer() throws Exception {
        home = Files.createTempDirectory("vantage-ftp");
        try {
            byte[] data = new byte[FILE_SIZE];
            new java.util.Random(42).nextBytes(data);
            Files.write(home.resolve(FILE), data);
            Files.createDirectory(home.resolve(UPLOADS));
            Files.createDirectory(home.resolve(EMPTY));
            Path keystore = home.getParent().resolve(home.getFileName() + ".p12");
            writeSelfSigned(keystore);

            FtpServerFactory factory = new FtpServerFactory();
            var users = new PropertiesUserManagerFactory().createUserManager();
            BaseUser user = new BaseUser();
            user.setName(USER);
            user.setPassword(PASSWORD);
            user.setHomeDirectory(home.toString());
            user.setAuthorities(List.of(new WritePermission()));
            users.save(user);
            factory.setUserManager(users);
            factory.setFtplets(new java.util.HashMap<>(Map.of("recorder", new DefaultFtplet() {
                @Override
                public FtpletResult beforeCommand(FtpSession session, FtpRequest request) {
                    commands.add(request.getCommand());
                    secureSessions.put(session.getSessionId().toString(), session.isSecure());
                    if (session.getClientAddress() instanceof java.net.InetSocketAddress a) {
                        clientAddresses.put(session.getSessionId().toString(), a.getAddress().getHostAddress());
                    }
                    return FtpletResult.DEFAULT;
                }
            })));
            SslConfigurationFactory sslFactory = new SslConfigurationFactory();
            sslFactory.setKeystoreFile(keystore.toFile());
            sslFactory.setKeystorePassword("changeit");
            sslFactory.setKeystoreType("PKCS12");
            SslConfiguration ssl = sslFactory.createSslConfiguration();
            factory.addListener("default", listener(null, false));
            factory.addListener("explicit", listener(ssl, false));
            factory.addListener("implicit", listener(ssl, true));
            ftp = factory.createServer();
            ftp.start();
            plainPort = factory.getListener("default").getPort();
            explicitPort = factory.getListener("explicit").getPort();
            implicitPort = factory.getListener("implicit").getPort();

            ssh = SshServer.setUpDefaultServer();
            ssh.setHost("127.0.0.1");
            ssh.setPort(0);
            ssh.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(home.getParent().resolve(home.getFileName() + ".hostkey")));
            ssh.setPasswordAuthenticator((name, password, session) -> USER.equals(name) && PASSWORD.equals(password));
            ssh.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
            ssh.setFileSystemFactory(new VirtualFileSystemFactory(home));
            ssh.start();
            sftpPort = ssh.getPort();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private static org.apache.ftpserver.listener.Listener listener(SslConfiguration ssl, boolean implicit) {
        ListenerFactory lf = new ListenerFactory();
        lf.setServerAddress("127.0.0.1");
        lf.setPort(0);
        DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
        data.setPassiveAddress("127.0.0.1");
        data.setPassiveExternalAddress("127.0.0.1");
        lf.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
        if (ssl != null) {
            lf.setSslConfiguration(ssl);
            lf.setImplicitSsl(implicit);
        }
        return lf.createListener();
    }

    String url(String scheme, int port, String path) {
        return scheme + "://127.0.0.1:" + port + "/" + path;
    }

    void clearCommands() {
        commands.clear();
        secureSessions.clear();
        clientAddresses.clear();
    }

    private static void writeSelfSigned(Path file) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair keys = gen.generateKeyPair();
        X500Name name = new X500Name("CN=vantage-ftp-test.local");
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(30))), name, keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", keys.getPrivate(), "changeit".toCharArray(), new X509Certificate[]{cert});
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, "changeit".toCharArray());
        }
    }

    @Override
    public void close() throws Exception {
        if (ftp != null) ftp.stop();
        if (ssh != null) ssh.stop(true);
        Path parent = home.getParent();
        Files.deleteIfExists(parent.resolve(home.getFileName() + ".p12"));
        Files.deleteIfExists(parent.resolve(home.getFileName() + ".hostkey"));
        try (Stream<Path> walk = Files.walk(home)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
