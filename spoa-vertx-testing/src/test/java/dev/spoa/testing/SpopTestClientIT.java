package dev.spoa.testing;

import dev.spoa.testing.SpopTestClient.StreamIds;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The test client itself, against a plain socket: the ids of each personality and how it closes. */
class SpopTestClientIT {

  private Vertx vertx;
  private ServerSocket listener;

  @BeforeEach
  void setUp() throws IOException {
    vertx = Vertx.vertx();
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    listener.setSoTimeout(10_000);
  }

  @AfterEach
  void tearDown() throws IOException {
    listener.close();
    vertx.close().await();
  }

  private SpopTestClient connect(HaproxyPersonality personality) {
    return SpopTestClient.connect(vertx, listener.getLocalPort(), "127.0.0.1", personality).await();
  }

  @Test
  void existingConnectMethodsImitateHaproxy26() {
    SpopTestClient c = SpopTestClient.connect(vertx, listener.getLocalPort(), "127.0.0.1").await();
    assertEquals(HaproxyPersonality.HAPROXY_2_6, c.personality());
    c.close();
  }

  @Test
  void haproxy3xUsesOddStreamIdsPerConnectionAndFrameIdOne() {
    SpopTestClient a = connect(HaproxyPersonality.HAPROXY_3_X);
    SpopTestClient b = connect(HaproxyPersonality.HAPROXY_3_X);
    assertEquals(List.of(new StreamIds(1, 1), new StreamIds(3, 1), new StreamIds(5, 1)),
      List.of(a.nextIds(), a.nextIds(), a.nextIds()));
    assertEquals(new StreamIds(1, 1), b.nextIds(), "each connection counts on its own");
    a.close();
    b.close();
  }

  @Test
  void haproxy26SharesOneStreamCounterFromZeroWithFrameIdsPerStream() {
    SpopTestClient a = connect(HaproxyPersonality.HAPROXY_2_6);
    SpopTestClient b = connect(HaproxyPersonality.HAPROXY_2_6);
    // a's first stream is 0, its applet takes 1; b's first stream 2, its applet 3; then 4, 5...
    assertEquals(List.of(new StreamIds(0, 1), new StreamIds(0, 2)), List.of(a.nextIds(), a.nextIds()));
    assertEquals(List.of(new StreamIds(2, 1), new StreamIds(2, 2)), List.of(b.nextIds(), b.nextIds()));
    assertEquals(new StreamIds(4, 1), a.nextIds());
    assertEquals(new StreamIds(5, 1), b.nextIds());
    a.close();
    b.close();
  }

  @Test
  void closeWithSoLingerZeroSendsAnRst() throws Exception {
    SpopTestClient c = SpopTestClient.connect(vertx, SocketAddress.inetSocketAddress(listener.getLocalPort(), "127.0.0.1"),
      HaproxyPersonality.HAPROXY_3_X, new NetClientOptions().setSoLinger(0)).await();
    try (Socket accepted = listener.accept()) {
      c.close().await();
      c.closed().await();
      InputStream in = accepted.getInputStream();
      SocketException e = assertThrows(SocketException.class, in::read);
      assertEquals("Connection reset", e.getMessage());
    }
  }

  @Test
  void closeAbruptlySendsAFin() throws Exception {
    SpopTestClient c = connect(HaproxyPersonality.HAPROXY_3_X);
    try (Socket accepted = listener.accept()) {
      c.closeAbruptly().await();
      assertEquals(-1, accepted.getInputStream().read(), "end of stream, no DISCONNECT bytes");
    }
  }
}
