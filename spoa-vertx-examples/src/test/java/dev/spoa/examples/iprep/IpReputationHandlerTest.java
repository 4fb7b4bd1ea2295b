package dev.spoa.examples.iprep;

import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.server.SpoaServer;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How to unit-test a handler: the real server on a free port, and {@link SpopTestClient} in the
 * role of HAProxy. No HAProxy needed.
 */
class IpReputationHandlerTest {

  private Vertx vertx;
  private SpopTestClient haproxy;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, new IpReputationHandler())).await();
    SpoaServer server = SpoaServer.create(vertx, new SpoaServerOptions().setPort(0));
    server.listen().await();
    haproxy = SpopTestClient.connect(vertx, server.actualPort(), "127.0.0.1").await();
    haproxy.hello().await();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private List<Action> check(Arg ip) {
    AckFrame ack = haproxy.notify(1, 1, SpoaMessage.of(IpReputationHandler.MESSAGE, ip)).await();
    return ack.actions();
  }

  @Test
  void loopbackScores20() throws Exception {
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 20)),
      check(Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("127.0.0.1")))));
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 20)),
      check(Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("::1")))));
  }

  @Test
  void otherAddressesScore10() throws Exception {
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 10)),
      check(Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("192.0.2.7")))));
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", 10)),
      check(Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("2001:db8::1")))));
  }

  @Test
  void anArgumentThatIsNotAnAddressGetsNoScore() {
    // 16 bytes, the length of an IPv6 address: still refused, by its type
    assertEquals(List.of(), check(Arg.of("ip", TypedValue.ofString("0000000000000001"))));
  }

  @Test
  void noAddressNoScore() {
    assertEquals(List.of(), check(Arg.of("ip", TypedValue.NULL)));
    assertEquals(List.of(), check(Arg.of("other", TypedValue.ofString("x"))));
  }
}
