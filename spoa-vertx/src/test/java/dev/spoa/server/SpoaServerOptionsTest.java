package dev.spoa.server;

import dev.spoa.handler.SpoaHandlers;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.TrustOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every setting of SpoaServerOptions, one row each in {@link #SETTINGS}: its default, and a value
 * other than the default that the copy constructor and the JSON round trip must keep, checked one
 * setting at a time and all together. Two guards fail when SpoaServerOptions gains a JSON key or
 * overrides an inherited setter that the table lacks. Then range checks and the covariant setters.
 */
class SpoaServerOptionsTest {

  /**
   * One setting: its property name (as in {@code set<Name>}), its JSON key, its default, another
   * value, and how to set and read it.
   */
  record Setting<T>(String name, String jsonKey, T defaultValue, T otherValue,
                    BiConsumer<SpoaServerOptions, T> setter, Function<SpoaServerOptions, T> getter) {

    void setOther(SpoaServerOptions o) {
      setter.accept(o, otherValue);
    }

    Object valueIn(SpoaServerOptions o) {
      return getter.apply(o);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static <T> Setting<T> setting(String name, T defaultValue, T otherValue,
                                        BiConsumer<SpoaServerOptions, T> setter, Function<SpoaServerOptions, T> getter) {
    return new Setting<>(name, name, defaultValue, otherValue, setter, getter);
  }

  /** Vert.x's own defaults, for the inherited rows. */
  private static final NetServerOptions VERTX = new NetServerOptions();

  /** The SPOP settings, then the inherited NetServerOptions ones SpoaServerOptions overrides. */
  static final List<Setting<?>> SETTINGS = List.of(
    setting("maxFrameSize", 16380, 4096, SpoaServerOptions::setMaxFrameSize, SpoaServerOptions::getMaxFrameSize),
    setting("maxInFlightPerConnection", 20, 3,
      SpoaServerOptions::setMaxInFlightPerConnection, SpoaServerOptions::getMaxInFlightPerConnection),
    setting("handlerTimeout", 400L, 123L, SpoaServerOptions::setHandlerTimeout, SpoaServerOptions::getHandlerTimeout),
    setting("pipelining", true, false, SpoaServerOptions::setPipelining, SpoaServerOptions::isPipelining),
    setting("pipeliningBefore31", false, true,
      SpoaServerOptions::setPipeliningBefore31, SpoaServerOptions::isPipeliningBefore31),
    setting("shutdownTimeout", 30_000L, 0L, SpoaServerOptions::setShutdownTimeout, SpoaServerOptions::getShutdownTimeout),
    setting("handlerAddressPrefix", "spoa.message.", "my.prefix.",
      SpoaServerOptions::setHandlerAddressPrefix, SpoaServerOptions::getHandlerAddressPrefix),
    setting("fragmentation", true, false, SpoaServerOptions::setFragmentation, SpoaServerOptions::isFragmentation),
    setting("maxReassembledSize", 1024 * 1024, 4096,
      SpoaServerOptions::setMaxReassembledSize, SpoaServerOptions::getMaxReassembledSize),
    setting("async", false, true, SpoaServerOptions::setAsync, SpoaServerOptions::isAsync),
    setting("helloTimeout", 5_000L, 1_234L, SpoaServerOptions::setHelloTimeout, SpoaServerOptions::getHelloTimeout),
    setting("connectionIdleTimeout", 600_000L, 30_000L,
      SpoaServerOptions::setConnectionIdleTimeout, SpoaServerOptions::getConnectionIdleTimeout),
    setting("maxFrameSizeBeforeHello", 2048, 512,
      SpoaServerOptions::setMaxFrameSizeBeforeHello, SpoaServerOptions::getMaxFrameSizeBeforeHello),
    setting("maxInFlight", 10_000, 99, SpoaServerOptions::setMaxInFlight, SpoaServerOptions::getMaxInFlight),
    setting("maxConnections", 10_000, 77, SpoaServerOptions::setMaxConnections, SpoaServerOptions::getMaxConnections),
    setting("maxConnectionAge", 0L, 60_000L, SpoaServerOptions::setMaxConnectionAge, SpoaServerOptions::getMaxConnectionAge),
    setting("maxConnectionAgeJitter", 0.3, 0.5,
      SpoaServerOptions::setMaxConnectionAgeJitter, SpoaServerOptions::getMaxConnectionAgeJitter),
    setting("drainIdleTimeout", 1_000L, 2_500L, SpoaServerOptions::setDrainIdleTimeout, SpoaServerOptions::getDrainIdleTimeout),
    setting("hedgeAfter", 0L, 150L, SpoaServerOptions::setHedgeAfter, SpoaServerOptions::getHedgeAfter),
    setting("drainHealthChecks", 3, 5, SpoaServerOptions::setDrainHealthChecks, SpoaServerOptions::getDrainHealthChecks),
    setting("reassemblyTimeout", 5_000L, 750L,
      SpoaServerOptions::setReassemblyTimeout, SpoaServerOptions::getReassemblyTimeout),
    setting("maxReassemblyBytes", 64L * 1024 * 1024, 1L << 20,
      SpoaServerOptions::setMaxReassemblyBytes, SpoaServerOptions::getMaxReassemblyBytes),
    setting("directDispatch", false, true, SpoaServerOptions::setDirectDispatch, SpoaServerOptions::isDirectDispatch),
    setting("warmUpNotifies", 5_000, 0, SpoaServerOptions::setWarmUpNotifies, SpoaServerOptions::getWarmUpNotifies),
    setting("handlerTimeouts", Map.<String, Long>of(), Map.of("slow", 50L, "fast", 5L),
      (o, timeouts) -> timeouts.forEach(o::setHandlerTimeout), SpoaServerOptions::getHandlerTimeouts),
    setting("fallbackVariable", null, "txn.spoa_error",
      SpoaServerOptions::setFallbackVariable, SpoaServerOptions::getFallbackVariable),
    setting("ackOverflowVariable", null, "txn.spoa_dropped",
      SpoaServerOptions::setAckOverflowVariable, SpoaServerOptions::getAckOverflowVariable),
    setting("unixSocketPath", null, "/run/spoa/agent.sock",
      SpoaServerOptions::setUnixSocketPath, SpoaServerOptions::getUnixSocketPath),
    setting("unixSocketPermissions", null, "rw-rw----",
      SpoaServerOptions::setUnixSocketPermissions, SpoaServerOptions::getUnixSocketPermissions),

    // inherited: port and host have defaults of their own (never all interfaces), the rest Vert.x's
    setting("port", 12345, 9000, SpoaServerOptions::setPort, SpoaServerOptions::getPort),
    setting("host", "127.0.0.1", "0.0.0.0", SpoaServerOptions::setHost, SpoaServerOptions::getHost),
    setting("ssl", false, true, SpoaServerOptions::setSsl, SpoaServerOptions::isSsl),
    // a JKS store: its JSON key is the store type's
    new Setting<KeyCertOptions>("keyCertOptions", "keyStoreOptions", null,
      new JksOptions().setPath("server.jks").setPassword("secret"),
      SpoaServerOptions::setKeyCertOptions, SpoaServerOptions::getKeyCertOptions),
    new Setting<TrustOptions>("trustOptions", "trustStoreOptions", null,
      new JksOptions().setPath("trust.jks").setPassword("secret2"),
      SpoaServerOptions::setTrustOptions, SpoaServerOptions::getTrustOptions),
    setting("clientAuth", ClientAuth.NONE, ClientAuth.REQUIRED, SpoaServerOptions::setClientAuth, SpoaServerOptions::getClientAuth),
    setting("acceptBacklog", -1, 77, SpoaServerOptions::setAcceptBacklog, SpoaServerOptions::getAcceptBacklog),
    setting("reusePort", false, true, SpoaServerOptions::setReusePort, SpoaServerOptions::isReusePort),
    setting("tcpNoDelay", true, false, SpoaServerOptions::setTcpNoDelay, SpoaServerOptions::isTcpNoDelay),
    setting("idleTimeout", 0, 33, SpoaServerOptions::setIdleTimeout, SpoaServerOptions::getIdleTimeout),
    setting("idleTimeoutUnit", TimeUnit.SECONDS, TimeUnit.MINUTES,
      SpoaServerOptions::setIdleTimeoutUnit, SpoaServerOptions::getIdleTimeoutUnit),
    setting("sni", false, true, SpoaServerOptions::setSni, SpoaServerOptions::isSni),
    setting("useProxyProtocol", false, true, SpoaServerOptions::setUseProxyProtocol, SpoaServerOptions::isUseProxyProtocol),
    setting("receiveBufferSize", -1, 65_536, SpoaServerOptions::setReceiveBufferSize, SpoaServerOptions::getReceiveBufferSize),
    setting("sendBufferSize", -1, 32_768, SpoaServerOptions::setSendBufferSize, SpoaServerOptions::getSendBufferSize),
    setting("activityLogDataFormat", VERTX.getActivityLogDataFormat(), io.netty.handler.logging.ByteBufFormat.SIMPLE,
      SpoaServerOptions::setActivityLogDataFormat, SpoaServerOptions::getActivityLogDataFormat),
    setting("enabledSecureTransportProtocols", VERTX.getEnabledSecureTransportProtocols(), Set.of("TLSv1.3"),
      SpoaServerOptions::setEnabledSecureTransportProtocols, SpoaServerOptions::getEnabledSecureTransportProtocols),
    setting("logActivity", false, true, SpoaServerOptions::setLogActivity, SpoaServerOptions::getLogActivity),
    setting("proxyProtocolTimeout", VERTX.getProxyProtocolTimeout(), 3L,
      SpoaServerOptions::setProxyProtocolTimeout, SpoaServerOptions::getProxyProtocolTimeout),
    setting("proxyProtocolTimeoutUnit", VERTX.getProxyProtocolTimeoutUnit(), TimeUnit.MILLISECONDS,
      SpoaServerOptions::setProxyProtocolTimeoutUnit, SpoaServerOptions::getProxyProtocolTimeoutUnit),
    setting("readIdleTimeout", 0, 7, SpoaServerOptions::setReadIdleTimeout, SpoaServerOptions::getReadIdleTimeout),
    setting("writeIdleTimeout", 0, 8, SpoaServerOptions::setWriteIdleTimeout, SpoaServerOptions::getWriteIdleTimeout),
    setting("registerWriteHandler", VERTX.isRegisterWriteHandler(), !VERTX.isRegisterWriteHandler(),
      SpoaServerOptions::setRegisterWriteHandler, SpoaServerOptions::isRegisterWriteHandler),
    setting("reuseAddress", true, false, SpoaServerOptions::setReuseAddress, SpoaServerOptions::isReuseAddress),
    setting("soLinger", -1, 5, SpoaServerOptions::setSoLinger, SpoaServerOptions::getSoLinger),
    setting("sslHandshakeTimeout", VERTX.getSslHandshakeTimeout(), 3L,
      SpoaServerOptions::setSslHandshakeTimeout, SpoaServerOptions::getSslHandshakeTimeout),
    setting("sslHandshakeTimeoutUnit", VERTX.getSslHandshakeTimeoutUnit(), TimeUnit.MILLISECONDS,
      SpoaServerOptions::setSslHandshakeTimeoutUnit, SpoaServerOptions::getSslHandshakeTimeoutUnit),
    setting("tcpCork", false, true, SpoaServerOptions::setTcpCork, SpoaServerOptions::isTcpCork),
    setting("tcpFastOpen", false, true, SpoaServerOptions::setTcpFastOpen, SpoaServerOptions::isTcpFastOpen),
    setting("tcpKeepAlive", false, true, SpoaServerOptions::setTcpKeepAlive, SpoaServerOptions::isTcpKeepAlive),
    setting("tcpQuickAck", false, true, SpoaServerOptions::setTcpQuickAck, SpoaServerOptions::isTcpQuickAck),
    setting("tcpUserTimeout", 0, 1000, SpoaServerOptions::setTcpUserTimeout, SpoaServerOptions::getTcpUserTimeout),
    setting("trafficClass", -1, 8, SpoaServerOptions::setTrafficClass, SpoaServerOptions::getTrafficClass),
    setting("useAlpn", false, true, SpoaServerOptions::setUseAlpn, SpoaServerOptions::isUseAlpn));

  static Stream<Setting<?>> settings() {
    return SETTINGS.stream();
  }

  private static SpoaServerOptions jsonRoundTrip(SpoaServerOptions o) {
    return new SpoaServerOptions(o.toJson());
  }

  /** Every setting but {@code except} still has its default in {@code o}. */
  private static void assertOthersAtDefault(SpoaServerOptions o, Setting<?> except, String how) {
    for (Setting<?> s : SETTINGS) {
      if (s != except) {
        assertEquals(s.defaultValue(), s.valueIn(o), () -> how + ": " + s + " is not its default, with only " + except + " set");
      }
    }
  }

  // ---- the table, one setting at a time ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void theDefault(Setting<?> s) {
    assertNotEquals(s.defaultValue(), s.otherValue(), "the row's other value must not be the default");
    assertEquals(s.defaultValue(), s.valueIn(new SpoaServerOptions()), "new SpoaServerOptions()");
    assertEquals(s.defaultValue(), s.valueIn(new SpoaServerOptions(new JsonObject())), "from empty JSON");
    assertEquals(s.defaultValue(), s.valueIn(new SpoaServerOptions(new SpoaServerOptions())), "a copy of the defaults");
    assertEquals(s.defaultValue(), s.valueIn(jsonRoundTrip(new SpoaServerOptions())), "the defaults through JSON");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void setAloneItIsKeptByTheCopyConstructor(Setting<?> s) {
    SpoaServerOptions o = new SpoaServerOptions();
    s.setOther(o);
    assertEquals(s.otherValue(), s.valueIn(o), "the setter and getter agree");
    SpoaServerOptions copy = new SpoaServerOptions(o);
    assertEquals(s.otherValue(), s.valueIn(copy), "the copy");
    assertOthersAtDefault(copy, s, "the copy");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void setAloneItIsKeptByTheJsonRoundTrip(Setting<?> s) {
    SpoaServerOptions o = new SpoaServerOptions();
    s.setOther(o);
    JsonObject json = o.toJson();
    assertNotEquals(new SpoaServerOptions().toJson().getValue(s.jsonKey()), json.getValue(s.jsonKey()),
      () -> "the JSON key " + s.jsonKey() + " carries the setting: " + json.encode());
    SpoaServerOptions back = new SpoaServerOptions(json);
    assertEquals(s.otherValue(), s.valueIn(back), "through JSON");
    assertOthersAtDefault(back, s, "through JSON");
  }

  @Test
  void allSetTogetherEachIsKeptByTheCopyAndTheJsonRoundTrip() {
    SpoaServerOptions o = new SpoaServerOptions();
    SETTINGS.forEach(s -> s.setOther(o));
    SpoaServerOptions copy = new SpoaServerOptions(o);
    SpoaServerOptions back = jsonRoundTrip(o);
    for (Setting<?> s : SETTINGS) {
      assertEquals(s.otherValue(), s.valueIn(o), () -> s + " set");
      assertEquals(s.otherValue(), s.valueIn(copy), () -> s + " in the copy");
      assertEquals(s.otherValue(), s.valueIn(back), () -> s + " through JSON");
    }
    assertEquals(o.toJson(), copy.toJson(), "the whole JSON form of the copy");
    assertEquals(o.toJson(), back.toJson(), "the whole JSON form after the round trip");
  }

  // ---- the guards: a new option cannot be left out of the table ----

  @Test
  void everyJsonKeyOfItsOwnHasARow() {
    Set<String> own = new TreeSet<>(new SpoaServerOptions().toJson().fieldNames());
    own.removeAll(new NetServerOptions().toJson().fieldNames());
    Set<String> inTable = SETTINGS.stream().map(Setting::jsonKey).collect(Collectors.toSet());
    Set<String> missing = new TreeSet<>(own);
    missing.removeAll(inTable);
    assertEquals(Set.of(), missing, "SpoaServerOptions.toJson() has keys without a row in SETTINGS: add one each");
    SpoaServerOptions all = new SpoaServerOptions();
    SETTINGS.forEach(s -> s.setOther(all));
    Set<String> unknown = new TreeSet<>(inTable);
    unknown.removeAll(all.toJson().fieldNames());
    assertEquals(Set.of(), unknown, "rows whose JSON key toJson() does not write");
  }

  @Test
  void everyLiveKeyIsASettingOfItsOwn() {
    Set<String> unknown = new TreeSet<>(SpoaServerOptions.LIVE_KEYS);
    unknown.removeAll(SETTINGS.stream().map(Setting::jsonKey).toList());
    assertEquals(Set.of(), unknown, "LIVE_KEYS names keys that are no SPOA setting");
  }

  /** Inherited settings whose values have no equals(): a row could not compare them. */
  private static final Set<String> WITHOUT_VALUE_EQUALITY = Set.of("sslEngineOptions", "trafficShapingOptions");

  @Test
  void everyOverriddenInheritedSetterHasARow() {
    Set<String> overridden = new TreeSet<>();
    for (Method m : SpoaServerOptions.class.getDeclaredMethods()) {
      if (m.getName().startsWith("set") && Modifier.isPublic(m.getModifiers()) && !m.isBridge() && !m.isSynthetic()
        && declaredBy(NetServerOptions.class, m)) {
        overridden.add(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4));
      }
    }
    Set<String> missing = new TreeSet<>(overridden);
    missing.removeAll(SETTINGS.stream().map(Setting::name).toList());
    missing.removeAll(WITHOUT_VALUE_EQUALITY);
    assertFalse(overridden.isEmpty(), "the reflection found the overrides");
    assertEquals(Set.of(), missing, "SpoaServerOptions overrides setters without a row in SETTINGS: add one each");
  }

  private static boolean declaredBy(Class<?> type, Method m) {
    try {
      type.getMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  // ---- beyond the table ----

  @Test
  void defaultsMatchTheirConstantsAndInheritedOnesAreVertxs() {
    SpoaServerOptions o = new SpoaServerOptions();
    assertEquals(SpoaServerOptions.DEFAULT_PORT, o.getPort());
    assertEquals(SpoaServerOptions.DEFAULT_HOST, o.getHost());
    assertEquals(SpoaHandlers.DEFAULT_ADDRESS_PREFIX, o.getHandlerAddressPrefix());
    assertEquals(256, SpoaServerOptions.MIN_FRAME_SIZE);
    NetServerOptions plain = new NetServerOptions();
    assertEquals(plain.getIdleTimeout(), o.getIdleTimeout());
    assertEquals(plain.getAcceptBacklog(), o.getAcceptBacklog());
    assertEquals(plain.isTcpNoDelay(), o.isTcpNoDelay());
    assertEquals(plain.getClientAuth(), o.getClientAuth());
    assertEquals(plain.getReceiveBufferSize(), o.getReceiveBufferSize());
    assertEquals(plain.getSendBufferSize(), o.getSendBufferSize());
  }

  @Test
  void jsonWithOnlyThePortKeepsTheOtherDefaults() {
    SpoaServerOptions o = new SpoaServerOptions(new JsonObject().put("port", 9000));
    assertEquals(9000, o.getPort());
    assertEquals("127.0.0.1", o.getHost(), "never listens on all interfaces by default");
    for (Setting<?> s : SETTINGS) {
      if (!s.name().equals("port")) {
        assertEquals(s.defaultValue(), s.valueIn(o), s::toString);
      }
    }
  }

  @Test
  void jsonFromText() {
    SpoaServerOptions o = new SpoaServerOptions(new JsonObject("{\"host\":\"::1\",\"maxFrameSize\":1024,"
      + "\"maxInFlightPerConnection\":5,\"handlerTimeout\":250,\"pipelining\":false,\"shutdownTimeout\":5,"
      + "\"handlerAddressPrefix\":\"x.\",\"idleTimeout\":60,\"handlerTimeouts\":{\"slow\":900},"
      + "\"maxConnectionAgeJitter\":0,\"fallbackVariable\":null}"));
    assertEquals(12345, o.getPort());
    assertEquals("::1", o.getHost());
    assertEquals(1024, o.getMaxFrameSize());
    assertEquals(5, o.getMaxInFlightPerConnection());
    assertEquals(250L, o.getHandlerTimeout());
    assertFalse(o.isPipelining());
    assertEquals(5L, o.getShutdownTimeout());
    assertEquals("x.", o.getHandlerAddressPrefix());
    assertEquals(60, o.getIdleTimeout());
    assertEquals(900L, o.getHandlerTimeout("slow"));
    assertEquals(250L, o.getHandlerTimeout("other"), "a name without its own deadline has the general one");
    assertEquals(0.0, o.getMaxConnectionAgeJitter(), "an integer where a double is expected");
    assertEquals(null, o.getFallbackVariable());
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
  void theCopyIsIndependent() {
    SpoaServerOptions o = new SpoaServerOptions();
    SETTINGS.forEach(s -> s.setOther(o));
    SpoaServerOptions copy = new SpoaServerOptions(o);
    copy.setMaxFrameSize(300).setPort(1).setHandlerAddressPrefix("other.").setHandlerTimeout("other", 9);
    assertEquals(4096, o.getMaxFrameSize(), "the copy is independent");
    assertEquals(9000, o.getPort());
    assertEquals("my.prefix.", o.getHandlerAddressPrefix());
    assertEquals(Map.of("slow", 50L, "fast", 5L), o.getHandlerTimeouts(), "the per-message deadlines are not shared");
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
    assertThrows(IllegalArgumentException.class, () -> o.setHedgeAfter(-1));
    assertThrows(IllegalArgumentException.class, () -> o.setHandlerTimeout(-1));
    assertThrows(IllegalArgumentException.class, () -> o.setShutdownTimeout(-1));
    assertThrows(IllegalArgumentException.class, () -> o.setDrainHealthChecks(-1));
    assertThrows(IllegalArgumentException.class, () -> o.setWarmUpNotifies(-1));
    assertThrows(NullPointerException.class, () -> o.setHandlerAddressPrefix(null));
    // a failed set leaves the previous value
    for (Setting<?> s : SETTINGS) {
      assertEquals(s.defaultValue(), s.valueIn(o), s::toString);
    }

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
      .setTcpNoDelay(true).setIdleTimeout(1).setIdleTimeoutUnit(TimeUnit.SECONDS).setSni(false)
      .setUseProxyProtocol(false).setReceiveBufferSize(1024).setSendBufferSize(1024);
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
    assertTrue(o.toJson().containsKey("maxFrameSize"));
  }

  @Test
  void everyInheritedFluentSetterKeepsTheSpoaType() {
    List<String> widened = new java.util.ArrayList<>();
    for (java.lang.reflect.Method m : io.vertx.core.net.NetServerOptions.class.getMethods()) {
      boolean fluent = !java.lang.reflect.Modifier.isStatic(m.getModifiers()) && m.getReturnType() != Object.class
        && m.getReturnType().isAssignableFrom(io.vertx.core.net.NetServerOptions.class);
      if (!fluent) {
        continue;
      }
      try {
        if (SpoaServerOptions.class.getMethod(m.getName(), m.getParameterTypes()).getReturnType() != SpoaServerOptions.class) {
          widened.add(m.getName());
        }
      } catch (NoSuchMethodException e) {
        throw new AssertionError(e);
      }
    }
    assertEquals(List.of(), widened, "inherited setters that return a NetServerOptions type: override each");
    // and so a chain compiles, TCP options and SPOA options mixed
    SpoaServerOptions o = new SpoaServerOptions().setTcpKeepAlive(true).setMaxFrameSize(4096).setSoLinger(0)
      .setHedgeAfter(150).copy();
    assertEquals(4096, o.getMaxFrameSize());
    assertEquals(150, o.getHedgeAfter());
    assertTrue(o.isTcpKeepAlive());
  }
}
