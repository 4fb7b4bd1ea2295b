package dev.spoa.server;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A new certificate for a listening TLS server: live through updateOptions, connections kept. */
class TlsRotationIT {

  private final Vertx vertx = Vertx.vertx();
  /** Held: Vert.x closes a client nothing refers to, with its connections. */
  private final NetClient client = vertx.createNetClient(new NetClientOptions().setSsl(true).setTrustAll(true)
    .setHostnameVerificationAlgorithm(""));

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** The subject of the certificate a new TLS connection is shown, and the socket. */
  private NetSocket connect(int port, StringBuilder subject) {
    NetSocket socket = client.connect(port, "127.0.0.1").await();
    try {
      subject.append(((X509Certificate) socket.peerCertificates().get(0)).getSubjectX500Principal().getName());
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      throw new AssertionError(e);
    }
    return socket;
  }

  @Test
  void aNewCertificateServesNewConnectionsWithoutARestart() {
    SelfSignedCertificate first = SelfSignedCertificate.create("first.example");
    SelfSignedCertificate second = SelfSignedCertificate.create("second.example");
    SpoaServerOptions options = new SpoaServerOptions().setPort(0).setWarmUpNotifies(0)
      .setHelloTimeout(60_000) // the connection kept open says nothing meanwhile
      .setSsl(true)
      .setKeyCertOptions(first.keyCertOptions());
    SpoaServer server = SpoaServer.create(vertx, options).listen().await();

    StringBuilder before = new StringBuilder();
    NetSocket kept = connect(server.actualPort(), before);
    java.util.concurrent.atomic.AtomicBoolean keptClosed = new java.util.concurrent.atomic.AtomicBoolean();
    kept.closeHandler(v -> keptClosed.set(true));
    assertTrue(before.toString().contains("CN=first.example"), before.toString());

    Set<String> needRestart = server.updateOptions(new SpoaServerOptions(options).setKeyCertOptions(second.keyCertOptions()))
      .await();
    assertEquals(Set.of(), needRestart, "a certificate is a live setting while TLS stays on");
    StringBuilder after = new StringBuilder();
    connect(server.actualPort(), after).close().await();
    assertTrue(after.toString().contains("CN=second.example"), after.toString());

    assertTrue(server.updateOptions(new SpoaServerOptions(options).setSsl(false)).await().contains("ssl"),
      "turning TLS off needs a restart");
    assertTrue(!keptClosed.get(), "the connection opened before the rotation is still open");
    kept.close().await();
  }
}
