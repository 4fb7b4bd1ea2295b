package dev.spoa.server.impl;

import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import dev.spoa.protocol.Hex;
import dev.spoa.protocol.FrameType;
import dev.spoa.protocol.KvFrame;
import dev.spoa.protocol.SpopException;
import dev.spoa.protocol.SpopStatus;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HELLO negotiation: version, max-frame-size, capabilities, health checks and the refusals. */
class HelloNegotiationTest {

  private static final long OURS = 16380;
  private static final String ENGINE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

  /** A HAPROXY-HELLO as HAProxy 2.6 sends it; tests change or remove entries. */
  private static Map<String, TypedValue> hello26() {
    Map<String, TypedValue> m = new LinkedHashMap<>();
    m.put("supported-versions", TypedValue.ofString("2.0"));
    m.put("max-frame-size", TypedValue.ofUint32(16380));
    m.put("capabilities", TypedValue.ofString("pipelining,async"));
    m.put("engine-id", TypedValue.ofString(ENGINE));
    return m;
  }

  private static KvFrame hello(Map<String, TypedValue> entries) {
    return KvFrame.of(FrameType.HAPROXY_HELLO, entries);
  }

  private static HelloNegotiation negotiate(Map<String, TypedValue> entries) {
    return HelloNegotiation.negotiate(hello(entries), OURS, true);
  }

  private static HelloNegotiation with(String key, TypedValue value) {
    Map<String, TypedValue> m = hello26();
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return negotiate(m);
  }

  private static void assertRefused(SpopStatus status, Map<String, TypedValue> entries) {
    assertRefused(status, hello(entries));
  }

  private static void assertRefused(SpopStatus status, KvFrame frame) {
    SpopException e = assertThrows(SpopException.class, () -> HelloNegotiation.negotiate(frame, OURS, true),
      () -> "expected " + status + " for " + frame);
    assertEquals(status, e.status(), e::toString);
  }

  private static void assertRefusedWith(SpopStatus status, String key, TypedValue value) {
    Map<String, TypedValue> m = hello26();
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    assertRefused(status, m);
  }

  /** Hex digit pairs and "quoted ascii", as written in spop-spec.md. */
  private static byte[] hex(String spec) {
    return Hex.bytes(spec);
  }

  // ---- the normal case ----

  @Test
  void haproxy26Hello() {
    HelloNegotiation n = negotiate(hello26());
    assertEquals(16380, n.maxFrameSize());
    assertTrue(n.pipelining());
    assertEquals("pipelining", n.capabilities(), "async is never announced");
    assertFalse(n.healthcheck());
    assertEquals(ENGINE, n.engineId());
  }

  // ---- pipelining by HAProxy generation, with the server's options ----

  @Test
  void byDefaultHaproxy26To30GetNoPipeliningSoThatADrainLosesNothing() {
    HelloNegotiation n = HelloNegotiation.negotiate(hello(hello26()), new dev.spoa.server.SpoaServerOptions());
    assertFalse(n.pipelining(), "2.6-3.0 offer async: one NOTIFY per connection, closed losslessly with its ACK");
    assertEquals("fragmentation", n.capabilities());
  }

  @Test
  void haproxy31PlusGetPipeliningByDefault() {
    Map<String, TypedValue> m = hello26();
    m.put("capabilities", TypedValue.ofString("pipelining"));
    assertTrue(HelloNegotiation.negotiate(hello(m), new dev.spoa.server.SpoaServerOptions()).pipelining());
  }

  @Test
  void pipeliningBefore31IsAgreedWhenAskedFor() {
    dev.spoa.server.SpoaServerOptions options = new dev.spoa.server.SpoaServerOptions().setPipeliningBefore31(true);
    assertTrue(HelloNegotiation.negotiate(hello(hello26()), options).pipelining());
    assertFalse(HelloNegotiation.negotiate(hello(hello26()), options.setPipelining(false)).pipelining(),
      "pipelining off wins");
  }

  // ---- max-frame-size ----

  @Test
  void maxFrameSizeIsTheSmallerOfBoth() {
    assertEquals(256, with("max-frame-size", TypedValue.ofUint32(256)).maxFrameSize());
    assertEquals(257, with("max-frame-size", TypedValue.ofUint32(257)).maxFrameSize());
    assertEquals(OURS - 1, with("max-frame-size", TypedValue.ofUint32(OURS - 1)).maxFrameSize());
    assertEquals(OURS, with("max-frame-size", TypedValue.ofUint32(OURS)).maxFrameSize());
    assertEquals(OURS, with("max-frame-size", TypedValue.ofUint32(OURS + 1)).maxFrameSize());
    assertEquals(OURS, with("max-frame-size", TypedValue.ofUint32(0xFFFF_FFFFL)).maxFrameSize());

    KvFrame big = hello(hello26());
    assertEquals(256, HelloNegotiation.negotiate(big, 256, true).maxFrameSize(), "ours at the floor");
    assertEquals(257, HelloNegotiation.negotiate(big, 257, true).maxFrameSize());
  }

  @Test
  void maxFrameSizeBelow256IsRefused() {
    assertRefusedWith(SpopStatus.BAD_MAX_FRAME_SIZE, "max-frame-size", TypedValue.ofUint32(255));
    assertRefusedWith(SpopStatus.BAD_MAX_FRAME_SIZE, "max-frame-size", TypedValue.ofUint32(0));
    assertRefusedWith(SpopStatus.BAD_MAX_FRAME_SIZE, "max-frame-size", TypedValue.ofInt32(-1));
    assertRefusedWith(SpopStatus.BAD_MAX_FRAME_SIZE, "max-frame-size", TypedValue.ofInt64(-16380));
  }

  @Test
  void maxFrameSizeOfEveryIntegerTypeIsAccepted() {
    assertEquals(1000, with("max-frame-size", TypedValue.ofInt64(1000)).maxFrameSize());
    assertEquals(1000, with("max-frame-size", TypedValue.ofUint64(1000)).maxFrameSize());
    assertEquals(1000, with("max-frame-size", TypedValue.ofInt32(1000)).maxFrameSize());
    assertEquals(1000, with("max-frame-size", TypedValue.ofUint32(1000)).maxFrameSize());
    assertEquals(OURS, with("max-frame-size", TypedValue.ofInt64(Long.MAX_VALUE)).maxFrameSize());
  }

  @Test
  void maxFrameSizeMissingOrNotAnInteger() {
    assertRefusedWith(SpopStatus.NO_MAX_FRAME_SIZE, "max-frame-size", null);
    assertRefusedWith(SpopStatus.NO_MAX_FRAME_SIZE, "max-frame-size", TypedValue.ofString("16380"));
    assertRefusedWith(SpopStatus.NO_MAX_FRAME_SIZE, "max-frame-size", TypedValue.NULL);
    assertRefusedWith(SpopStatus.NO_MAX_FRAME_SIZE, "max-frame-size", TypedValue.TRUE);
    assertRefusedWith(SpopStatus.NO_MAX_FRAME_SIZE, "max-frame-size", TypedValue.ofBinary(new byte[] {0x3f, (byte) 0xfc}));
  }

  // ---- capabilities ----

  @Test
  void capabilitiesTokensWithSpaces() {
    assertTrue(with("capabilities", TypedValue.ofString("pipelining , async")).pipelining());
    assertTrue(with("capabilities", TypedValue.ofString(" async ,pipelining ")).pipelining());
    assertTrue(with("capabilities", TypedValue.ofString("pipelining")).pipelining(), "3.x offers only this");
    assertEquals("pipelining", with("capabilities", TypedValue.ofString("pipelining , async")).capabilities());
  }

  @Test
  void noPipeliningUnlessOffered() {
    for (TypedValue caps : new TypedValue[] {
      TypedValue.ofString("async"), TypedValue.ofString(""), TypedValue.ofString("fragmentation"),
      TypedValue.ofString("pipeliningx,async"), TypedValue.ofString("pipe lining"), null,
      TypedValue.NULL, TypedValue.ofInt64(1), TypedValue.ofBinary("pipelining".getBytes(StandardCharsets.US_ASCII))}) {
      HelloNegotiation n = with("capabilities", caps);
      assertFalse(n.pipelining(), () -> "capabilities " + caps);
      assertEquals("", n.capabilities(), () -> "capabilities " + caps);
      assertEquals(16380, n.maxFrameSize(), "the rest of the HELLO is still accepted");
    }
  }

  @Test
  void pipeliningDisabledByOption() {
    HelloNegotiation n = HelloNegotiation.negotiate(hello(hello26()), OURS, false);
    assertFalse(n.pipelining());
    assertEquals("", n.capabilities());
  }

  // ---- versions ----

  @Test
  void supportedVersionListsHolding20AreAccepted() {
    for (String v : new String[] {"2.0", "1.0, 2.0", "1.0,2.0", " 2.0 ", "2.0,3.0", "3.0 , 2.0 , 1.0"}) {
      assertEquals(16380, with("supported-versions", TypedValue.ofString(v)).maxFrameSize(), v);
    }
  }

  @Test
  void supportedVersionsWithout20AreRefused() {
    for (String v : new String[] {"2.1", "20", "", "1.0", "2", "2.0.1", "2.00", ",", "1.0;2.0"}) {
      assertRefusedWith(SpopStatus.UNSUPPORTED_VERSION, "supported-versions", TypedValue.ofString(v));
    }
    assertEquals(8, SpopStatus.UNSUPPORTED_VERSION.code());
  }

  @Test
  void supportedVersionsMissingOrNotAString() {
    assertRefusedWith(SpopStatus.NO_VERSION, "supported-versions", null);
    assertRefusedWith(SpopStatus.NO_VERSION, "supported-versions", TypedValue.ofInt64(2));
    assertRefusedWith(SpopStatus.NO_VERSION, "supported-versions", TypedValue.NULL);
    assertEquals(5, SpopStatus.NO_VERSION.code());
    assertEquals(6, SpopStatus.NO_MAX_FRAME_SIZE.code());
    assertEquals(9, SpopStatus.BAD_MAX_FRAME_SIZE.code());
  }

  @Test
  void versionIsCheckedBeforeMaxFrameSize() {
    Map<String, TypedValue> m = hello26();
    m.put("supported-versions", TypedValue.ofString("1.0"));
    m.remove("max-frame-size");
    assertRefused(SpopStatus.UNSUPPORTED_VERSION, m);
  }

  // ---- health checks and engine-id ----

  @Test
  void healthcheckFlag() {
    assertTrue(with("healthcheck", TypedValue.TRUE).healthcheck());
    assertFalse(with("healthcheck", TypedValue.FALSE).healthcheck());
    assertFalse(with("healthcheck", null).healthcheck());
  }

  @Test
  void engineIdKeptOrEmpty() {
    assertEquals(ENGINE, negotiate(hello26()).engineId());
    assertEquals("", with("engine-id", null).engineId());
    assertEquals("", with("engine-id", TypedValue.ofInt64(5)).engineId());
    assertEquals("", with("engine-id", TypedValue.ofString("")).engineId());
  }

  // ---- frame-level refusals ----

  @Test
  void nonZeroIdsAreInvalid() {
    assertRefused(SpopStatus.INVALID_FRAME, new KvFrame(FrameType.HAPROXY_HELLO, Frame.FLAG_FIN, 1, 0, hello26()));
    assertRefused(SpopStatus.INVALID_FRAME, new KvFrame(FrameType.HAPROXY_HELLO, Frame.FLAG_FIN, 0, 1, hello26()));
    assertRefused(SpopStatus.INVALID_FRAME, new KvFrame(FrameType.HAPROXY_HELLO, Frame.FLAG_FIN, 5, 7, hello26()));
    assertEquals(4, SpopStatus.INVALID_FRAME.code());
  }

  @Test
  void otherFrameTypesAreInvalid() {
    assertRefused(SpopStatus.INVALID_FRAME, KvFrame.of(FrameType.HAPROXY_DISCONNECT, hello26()));
    assertRefused(SpopStatus.INVALID_FRAME, KvFrame.of(FrameType.AGENT_HELLO, hello26()));
  }

  @Test
  void capturedHaproxy26HealthCheckHello() {
    byte[] all = hex("0000004e 01 00000001 00 00"
      + " 12\"supported-versions\" 08 03\"2.0\""
      + " 0e\"max-frame-size\" 03 fcf006"
      + " 0c\"capabilities\" 08 00"
      + " 0b\"healthcheck\" 11");
    Buffer buf = Buffer.buffer(all);
    assertEquals(all.length - 4, buf.getInt(0));
    KvFrame frame = assertInstanceOf(KvFrame.class, FrameDecoder.decode(buf, 4, all.length));
    HelloNegotiation n = HelloNegotiation.negotiate(frame, OURS, true);
    assertTrue(n.healthcheck());
    assertEquals("", n.capabilities());
    assertFalse(n.pipelining());
    assertEquals(16380, n.maxFrameSize());
    assertEquals("", n.engineId());

    assertEquals(8192, HelloNegotiation.negotiate(frame, 8192, true).maxFrameSize());
  }

  @Test
  void capturedHaproxy26Hello() {
    byte[] all = hex("00000081 01 00000001 00 00"
      + " 12\"supported-versions\" 08 03\"2.0\""
      + " 0e\"max-frame-size\" 03 fcf006"
      + " 0c\"capabilities\" 08 10\"pipelining,async\""
      + " 09\"engine-id\" 08 24\"" + ENGINE + "\"");
    KvFrame frame = assertInstanceOf(KvFrame.class, FrameDecoder.decode(Buffer.buffer(all), 4, all.length));
    HelloNegotiation n = HelloNegotiation.negotiate(frame, OURS, true);
    assertFalse(n.healthcheck());
    assertTrue(n.pipelining());
    assertEquals(16380, n.maxFrameSize());
    assertEquals(ENGINE, n.engineId());
  }

  @Test
  void containsToken() {
    assertTrue(HelloNegotiation.containsToken("a, b ,c", "b"));
    assertTrue(HelloNegotiation.containsToken("b", "b"));
    assertFalse(HelloNegotiation.containsToken("", "b"));
    assertFalse(HelloNegotiation.containsToken("bb,ab", "b"));
  }
}
