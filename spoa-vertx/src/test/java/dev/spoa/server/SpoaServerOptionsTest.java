package dev.spoa.server;

import dev.spoa.handler.SpoaHandlers;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.NetServerOptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Defaults, JSON and copy constructors, range checks and the covariant setters of SpoaServerOptions. */
class SpoaServerOptionsTest {

  private static void assertSpoaDefaults(SpoaServerOptions o) {
    assertEquals(16380, o.getMaxFrameSize());
    assertEquals(20, o.getMaxInFlightPerConnection());
    assertEquals(400L, o.getHandlerTimeout());
    assertTrue(o.isPipelining());
    assertEquals(10_000L, o.getShutdownTimeout());
    assertEquals("spoa.message.", o.getHandlerAddressPrefix());
    assertEquals(SpoaHandlers.DEFAULT_ADDRESS_PREFIX, o.getHandlerAddressPrefix());
  }

  /** A non-default value for every SPOA option and a few inherited ones. */
  private static SpoaServerOptions customised() {
    SpoaServerOptions o = new SpoaServerOptions()
      .setPort(9000)
      .setHost("0.0.0.0")
      .setSsl(true)
      .setClientAuth(ClientAuth.REQUIRED)
      .setAcceptBacklog(77)
      .setReusePort(true)
      .setTcpNoDelay(false)
      .setIdleTimeout(33)
      .setMaxFrameSize(4096)
      .setMaxInFlightPerConnection(3)
      .setHandlerTimeout(123)
      .setPipelining(false)
      .setShutdownTimeout(0)
      .setHandlerAddressPrefix("my.prefix.");
    o.setIdleTimeoutUnit(TimeUnit.MINUTES);
    o.setSni(true);
    o.setUseProxyProtocol(true);
    return o;
  }

  private static void assertSameOptions(SpoaServerOptions expected, SpoaServerOptions actual) {
    assertEquals(expected.getPort(), actual.getPort(), "port");
    assertEquals(expected.getHost(), actual.getHost(), "host");
    assertEquals(expected.isSsl(), actual.isSsl(), "ssl");
    assertEquals(expected.getClientAuth(), actual.getClientAuth(), "clientAuth");
    assertEquals(expected.getAcceptBacklog(), actual.getAcceptBacklog(), "acceptBacklog");
    assertEquals(expected.isReusePort(), actual.isReusePort(), "reusePort");
    assertEquals(expected.isTcpNoDelay(), actual.isTcpNoDelay(), "tcpNoDelay");
    assertEquals(expected.getIdleTimeout(), actual.getIdleTimeout(), "idleTimeout");
    assertEquals(expected.getIdleTimeoutUnit(), actual.getIdleTimeoutUnit(), "idleTimeoutUnit");
    assertEquals(expected.isSni(), actual.isSni(), "sni");
    assertEquals(expected.isUseProxyProtocol(), actual.isUseProxyProtocol(), "useProxyProtocol");
    assertEquals(expected.getMaxFrameSize(), actual.getMaxFrameSize(), "maxFrameSize");
    assertEquals(expected.getMaxInFlightPerConnection(), actual.getMaxInFlightPerConnection(), "maxInFlight");
    assertEquals(expected.getHandlerTimeout(), actual.getHandlerTimeout(), "handlerTimeout");
    assertEquals(expected.isPipelining(), actual.isPipelining(), "pipelining");
    assertEquals(expected.getShutdownTimeout(), actual.getShutdownTimeout(), "shutdownTimeout");
    assertEquals(expected.getHandlerAddressPrefix(), actual.getHandlerAddressPrefix(), "handlerAddressPrefix");
    assertEquals(expected.toJson(), actual.toJson(), "the whole JSON form");
  }

  @Test
  void defaults() {
    SpoaServerOptions o = new SpoaServerOptions();
    assertEquals(12345, o.getPort());
    assertEquals("127.0.0.1", o.getHost());
    assertFalse(o.isSsl());
    assertSpoaDefaults(o);
    assertEquals(SpoaServerOptions.DEFAULT_PORT, o.getPort());
    assertEquals(SpoaServerOptions.DEFAULT_HOST, o.getHost());
    assertEquals(256, SpoaServerOptions.MIN_FRAME_SIZE);
    // inherited defaults are Vert.x's
    NetServerOptions plain = new NetServerOptions();
    assertEquals(plain.getIdleTimeout(), o.getIdleTimeout());
    assertEquals(plain.getAcceptBacklog(), o.getAcceptBacklog());
    assertEquals(plain.isTcpNoDelay(), o.isTcpNoDelay());
  }

  @Test
  void jsonWithOnlyThePortKeepsTheOtherDefaults() {
    SpoaServerOptions o = new SpoaServerOptions(new JsonObject().put("port", 9000));
    assertEquals(9000, o.getPort());
    assertEquals("127.0.0.1", o.getHost(), "never listens on all interfaces by default");
    assertSpoaDefaults(o);
  }

  @Test
  void emptyJsonGivesTheDefaults() {
    SpoaServerOptions o = new SpoaServerOptions(new JsonObject());
    assertSameOptions(new SpoaServerOptions(), o);
  }

  @Test
  void jsonFromTextReadsEveryOption() {
    SpoaServerOptions o = new SpoaServerOptions(new JsonObject("{\"host\":\"::1\",\"maxFrameSize\":1024,"
      + "\"maxInFlightPerConnection\":5,\"handlerTimeout\":250,\"pipelining\":false,\"shutdownTimeout\":5,"
      + "\"handlerAddressPrefix\":\"x.\",\"idleTimeout\":60}"));
    assertEquals(12345, o.getPort());
    assertEquals("::1", o.getHost());
    assertEquals(1024, o.getMaxFrameSize());
    assertEquals(5, o.getMaxInFlightPerConnection());
    assertEquals(250L, o.getHandlerTimeout());
    assertFalse(o.isPipelining());
    assertEquals(5L, o.getShutdownTimeout());
    assertEquals("x.", o.getHandlerAddressPrefix());
    assertEquals(60, o.getIdleTimeout());
  }

  @Test
  void jsonRoundTrip() {
    SpoaServerOptions o = customised();
    JsonObject json = o.toJson();
    assertEquals(4096, json.getInteger("maxFrameSize"));
    assertEquals(9000, json.getInteger("port"));
    assertEquals("my.prefix.", json.getString("handlerAddressPrefix"));
    assertSameOptions(o, new SpoaServerOptions(json));
    assertSameOptions(new SpoaServerOptions(), new SpoaServerOptions(new SpoaServerOptions().toJson()));
  }

  @Test
  void jsonRoundTripWithKeyStore() {
    SpoaServerOptions o = customised()
      .setKeyCertOptions(new JksOptions().setPath("server.jks").setPassword("secret"))
      .setTrustOptions(new JksOptions().setPath("trust.jks").setPassword("secret2"));
    SpoaServerOptions back = new SpoaServerOptions(o.toJson());
    assertSameOptions(o, back);
    JksOptions key = assertInstanceOf(JksOptions.class, back.getKeyCertOptions());
    assertEquals("server.jks", key.getPath());
    JksOptions trust = assertInstanceOf(JksOptions.class, back.getTrustOptions());
    assertEquals("trust.jks", trust.getPath());
  }

  @Test
  void jsonWithValuesOutOfRangeIsRejected() {
    assertThrows(IllegalArgumentException.class,
      () -> new SpoaServerOptions(new JsonObject().put("maxFrameSize", 255)));
    assertThrows(IllegalArgumentException.class,
      () -> new SpoaServerOptions(new JsonObject().put("maxInFlightPerConnection", 0)));
    assertThrows(IllegalArgumentException.class,
      () -> new SpoaServerOptions(new JsonObject().put("handlerTimeout", 0)));
    assertThrows(IllegalArgumentException.class,
      () -> new SpoaServerOptions(new JsonObject().put("shutdownTimeout", -1)));
  }

  @Test
  void copyConstructor() {
    SpoaServerOptions o = customised();
    SpoaServerOptions copy = new SpoaServerOptions(o);
    assertSameOptions(o, copy);
    copy.setMaxFrameSize(300).setPort(1).setHandlerAddressPrefix("other.");
    assertEquals(4096, o.getMaxFrameSize(), "the copy is independent");
    assertEquals(9000, o.getPort());
    assertEquals("my.prefix.", o.getHandlerAddressPrefix());
    assertSameOptions(new SpoaServerOptions(), new SpoaServerOptions(new SpoaServerOptions()));
  }

  @Test
  void rangeChecks() {
    SpoaServerOptions o = new SpoaServerOptions();
    assertThrows(IllegalArgumentException.class, () -> o.setMaxFrameSize(255));
    assertThrows(IllegalArgumentException.class, () -> o.setMaxFrameSize(0));
    assertThrows(IllegalArgumentException.class, () -> o.setMaxFrameSize(-1));
    assertThrows(IllegalArgumentException.class, () -> o.setMaxInFlightPerConnection(0));
    assertThrows(IllegalArgumentException.class, () -> o.setMaxInFlightPerConnection(-5));
    assertThrows(IllegalArgumentException.class, () -> o.setHandlerTimeout(0));
    assertThrows(IllegalArgumentException.class, () -> o.setHandlerTimeout(-1));
    assertThrows(IllegalArgumentException.class, () -> o.setShutdownTimeout(-1));
    assertThrows(NullPointerException.class, () -> o.setHandlerAddressPrefix(null));
    // a failed set leaves the previous value
    assertSpoaDefaults(o);

    // the boundaries themselves are accepted
    assertEquals(256, o.setMaxFrameSize(256).getMaxFrameSize());
    assertEquals(1, o.setMaxInFlightPerConnection(1).getMaxInFlightPerConnection());
    assertEquals(1L, o.setHandlerTimeout(1).getHandlerTimeout());
    assertEquals(0L, o.setShutdownTimeout(0).getShutdownTimeout());
    assertEquals("", o.setHandlerAddressPrefix("").getHandlerAddressPrefix());
    assertEquals(Integer.MAX_VALUE, o.setMaxFrameSize(Integer.MAX_VALUE).getMaxFrameSize());
  }

  @Test
  void chainedSettersKeepTheSpoaType() {
    SpoaServerOptions o = new SpoaServerOptions();
    // each line compiles only if the setter returns SpoaServerOptions
    SpoaServerOptions r1 = o.setPort(1).setHost("h").setSsl(false).setKeyCertOptions(null).setTrustOptions(null);
    SpoaServerOptions r2 = o.setClientAuth(ClientAuth.NONE).setAcceptBacklog(1).setReusePort(false)
      .setTcpNoDelay(true).setIdleTimeout(1);
    SpoaServerOptions r3 = o.setMaxFrameSize(512).setMaxInFlightPerConnection(2).setHandlerTimeout(3)
      .setPipelining(true).setShutdownTimeout(4).setHandlerAddressPrefix("p.");
    assertSame(o, r1);
    assertSame(o, r2);
    assertSame(o, r3);
    assertEquals(1, o.getPort());
    assertEquals("h", o.getHost());
    assertEquals(512, o.getMaxFrameSize());
    assertEquals(2, o.getMaxInFlightPerConnection());
    assertEquals(3L, o.getHandlerTimeout());
    assertEquals(4L, o.getShutdownTimeout());
    assertEquals("p.", o.getHandlerAddressPrefix());
    assertNotNull(o.toJson());
  }
}
