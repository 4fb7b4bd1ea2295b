package dev.spoa.examples.transport;

import dev.spoa.examples.haproxy.CountingMetrics;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.IpScores;
import dev.spoa.examples.iprep.IpReputationAgent;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ip-reputation agent behind the real HAProxy, on every version, over the transports other
 * than plain TCP: TLS (with client certificates) and a unix domain socket. Configs come from
 * {@code conf/}, with the SPOE backend's server line replaced.
 */
class TlsAndUnixSocketHaproxyIT {

  @TempDir
  Path tmp;

  private Vertx vertx;
  private final CountingMetrics metrics = new CountingMetrics();
  private final List<HaproxyProcess> haproxies = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    haproxies.forEach(HaproxyProcess::close);
    vertx.close().await();
  }

  /**
   * conf/haproxy.cfg and conf/spoe-iprep.conf on {@code webPort}, with the agent's server line
   * replaced. Checks and the SPOE processing timeout are relaxed so that a loaded test machine
   * (TLS handshakes, JIT warm-up) does not flap the server or time out a NOTIFY.
   */
  private HaproxyProcess startHaproxy(HaproxyBinary binary, int webPort, String serverLine) throws IOException {
    String cfg = HaproxyProcess.confHaproxyCfg(binary, webPort, 12345) // the whole server line is replaced below
      .replaceFirst("(?m)^    server agent1 .*$", Matcher.quoteReplacement("    server agent1 " + serverLine));
    assertTrue(cfg.contains("server agent1 " + serverLine), cfg);
    String spoe = HaproxyProcess.confSpoe()
      .replace("timeout processing 500ms", "timeout processing 2s");
    assertTrue(cfg.contains("timeout check 3s") && spoe.contains("timeout processing 2s"));
    HaproxyProcess h = HaproxyProcess.start(binary, cfg, webPort, "spoe-iprep.conf", spoe);
    haproxies.add(h);
    return h;
  }

  /** {@code n} requests one after the other on a keep-alive client; their Ip_score headers. */
  private static List<Optional<String>> scores(int webPort, int n) throws Exception {
    return IpScores.fetch(webPort, 1, n);
  }

  private static void assertAllScored(List<Optional<String>> scores, HaproxyProcess haproxy) {
    long twenties = scores.stream().filter(s -> s.equals(Optional.of("20"))).count();
    assertEquals(scores.size(), twenties, "every response has Ip_score: 20; HAProxy log:\n" + haproxy.log());
  }

  // ---- TLS ----

  private SpoaServerOptions mutualTlsAgent(TestCertificates certs, int port) {
    return new SpoaServerOptions().setPort(port).setHandlerTimeout(1500)
      .setSsl(true)
      .setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(certs.serverCert.toString())
        .setKeyPath(certs.serverKey.toString()))
      .setTrustOptions(new PemTrustOptions().addCertPath(certs.caCert.toString()))
      .setClientAuth(ClientAuth.REQUIRED);
  }

  private static String tlsServerLine(int agentPort, TestCertificates certs, boolean clientCert) {
    return "127.0.0.1:" + agentPort + " check inter 500ms fall 3 rise 1 ssl verify required ca-file " + certs.caCert
      + (clientCert ? " crt " + certs.clientPem : "");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void mutualTlsCarriesScoresAndHealthChecks(HaproxyBinary binary) throws Exception {
    TestCertificates certs = TestCertificates.create(Files.createDirectory(tmp.resolve("pki")));
    int agentPort = HaproxyProcess.freePort();
    int webPort = HaproxyProcess.freePort();
    IpReputationAgent.deploy(vertx, mutualTlsAgent(certs, agentPort), metrics).await();
    HaproxyProcess haproxy = startHaproxy(binary, webPort, tlsServerLine(agentPort, certs, true));

    String status = haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10));
    assertEquals("UP/L7OK", status, "the SPOP check passes over TLS; HAProxy log:\n" + haproxy.log());
    assertTrue(metrics.healthChecks.get() >= 1, "the agent answered health-check HELLOs over TLS");

    List<Optional<String>> scores = scores(webPort, 50);
    assertAllScored(scores, haproxy);
    metrics.assertAnswered(50, haproxy);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void haproxyWithoutClientCertificateIsRefusedWhileAGoodOneIsServed(HaproxyBinary binary) throws Exception {
    TestCertificates certs = TestCertificates.create(Files.createDirectory(tmp.resolve("pki")));
    int agentPort = HaproxyProcess.freePort();
    int badWeb = HaproxyProcess.freePort();
    int goodWeb = HaproxyProcess.freePort();
    IpReputationAgent.deploy(vertx, mutualTlsAgent(certs, agentPort), metrics).await();

    // Without "crt" HAProxy sends no certificate; the agent (ClientAuth.REQUIRED) aborts the handshake, so the
    // SPOP check fails at the TLS layer ("Socket error", info "SSL fatal error") and the server goes DOWN.
    HaproxyProcess bad = startHaproxy(binary, badWeb, tlsServerLine(agentPort, certs, false));
    String badStatus = bad.awaitCheck("spoe-iprep", "agent1", "DOWN", "SOCKERR", Duration.ofSeconds(10));
    assertEquals("DOWN/SOCKERR", badStatus, bad.log());
    // HAProxy adds the errno when its own write met the agent's abort first (seen on 3.2): "... (Broken pipe)"
    String lastCheck = bad.serverStat("spoe-iprep", "agent1", "last_chk");
    assertTrue(lastCheck.equals("SSL fatal error") || lastCheck.equals("SSL fatal error (Broken pipe)"), lastCheck);
    // Requests still pass (continue-on-error), without a score: no NOTIFY ever reached the agent.
    List<Optional<String>> badScores = scores(badWeb, 5);
    assertTrue(badScores.stream().allMatch(Optional::isEmpty), "no score without a client certificate: " + badScores);
    assertEquals(0, metrics.notifies.get());
    assertEquals(0, metrics.healthChecks.get(), "no HELLO got through the failed handshakes");

    // The agent is unharmed: a HAProxy with the client certificate is checked UP and served.
    HaproxyProcess good = startHaproxy(binary, goodWeb, tlsServerLine(agentPort, certs, true));
    assertEquals("UP/L7OK", good.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)), good.log());
    assertAllScored(scores(goodWeb, 20), good);
    metrics.assertAnswered(20, good);
    assertTrue(scores(badWeb, 2).stream().allMatch(Optional::isEmpty), "and the other one still gets nothing");
  }

  // ---- unix domain socket ----

  private SpoaServerOptions unixAgent(Path socket) {
    return new SpoaServerOptions().setHandlerTimeout(1500).setUnixSocketPath(socket.toString()).setUnixSocketPermissions("rw-rw----");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void unixSocketCarriesScoresAndHealthChecks(HaproxyBinary binary) throws Exception {
    Path socket = tmp.resolve("agent.sock");
    int webPort = HaproxyProcess.freePort();
    IpReputationAgent.deploy(vertx, unixAgent(socket), metrics).await();
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
    assertTrue(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(),
      "a socket file");

    HaproxyProcess haproxy = startHaproxy(binary, webPort, "unix@" + socket + " check inter 500ms fall 3 rise 1");
    String status = haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10));
    assertEquals("UP/L7OK", status, "the SPOP check passes over the unix socket; HAProxy log:\n" + haproxy.log());
    assertTrue(metrics.healthChecks.get() >= 1);

    assertAllScored(scores(webPort, 50), haproxy);
    metrics.assertAnswered(50, haproxy);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void aStaleSocketFileIsReplaced(HaproxyBinary binary) throws Exception {
    Path socket = tmp.resolve("agent.sock");
    try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      stale.bind(UnixDomainSocketAddress.of(socket)); // closing does not remove the file: as after a crash
    }
    assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS),
      "a stale socket file is left behind");
    int webPort = HaproxyProcess.freePort();

    IpReputationAgent.deploy(vertx, unixAgent(socket), metrics).await();
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));

    HaproxyProcess haproxy = startHaproxy(binary, webPort, "unix@" + socket + " check inter 500ms fall 3 rise 1");
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10)), haproxy.log());
    assertAllScored(scores(webPort, 10), haproxy);
  }

  @Test
  void aRegularFileAtTheSocketPathMakesListenFail() throws Exception {
    Path socket = tmp.resolve("agent.sock");
    Files.writeString(socket, "not a socket");

    Throwable failure = assertThrows(Throwable.class, () -> IpReputationAgent.deploy(vertx, unixAgent(socket), metrics).await());
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t).append('\n');
    }
    assertTrue(messages.toString().contains(socket + " exists and is not a socket"), messages.toString());
    assertEquals("not a socket", Files.readString(socket), "the file is left alone");
    assertFalse(Files.isDirectory(socket));
  }
}
