package dev.spoa.handler.impl;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.DataType;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event-bus codecs of SpoaRequest and SpoaReply: local sharing, wire round trips, versioning. */
class SpoaCodecsTest {

  private static final byte[] GARBAGE = {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0x00, 0x7f, (byte) 0xff};
  private static final DeliveryOptions BOUNDED = new DeliveryOptions().setSendTimeout(10_000);

  private final SpoaRequestCodec requestCodec = new SpoaRequestCodec();
  private final SpoaReplyCodec replyCodec = new SpoaReplyCodec();
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  // ---- helpers ----

  private static Buffer withGarbage() {
    return Buffer.buffer().appendBytes(GARBAGE);
  }

  private SpoaRequest roundTrip(SpoaRequest req) {
    Buffer buf = withGarbage();
    requestCodec.encodeToWire(buf, req);
    buf.appendBytes(GARBAGE); // trailing bytes must not be read either
    SpoaRequest decoded = requestCodec.decodeFromWire(GARBAGE.length, buf);
    assertNotSame(req, decoded);
    assertEquals(req, decoded);
    return decoded;
  }

  private SpoaReply roundTrip(SpoaReply reply) {
    Buffer buf = withGarbage();
    replyCodec.encodeToWire(buf, reply);
    buf.appendBytes(GARBAGE);
    SpoaReply decoded = replyCodec.decodeFromWire(GARBAGE.length, buf);
    assertEquals(reply, decoded);
    return decoded;
  }

  private static List<TypedValue> everyType() throws Exception {
    byte[] notUtf8 = {(byte) 0xc3, (byte) 0x28, (byte) 0xff};
    return List.of(
      TypedValue.NULL,
      TypedValue.TRUE,
      TypedValue.FALSE,
      TypedValue.ofInt32(Integer.MIN_VALUE),
      TypedValue.ofInt32(-1),
      TypedValue.ofUint32(0xFFFF_FFFFL),
      TypedValue.ofUint32(0),
      TypedValue.ofInt64(Long.MIN_VALUE),
      TypedValue.ofInt64(-1),
      TypedValue.ofInt64(43822),
      TypedValue.ofUint64(-1L), // 2^64-1
      TypedValue.ofUint64(239),
      TypedValue.ofAddress(InetAddress.getByName("127.0.0.1")),
      TypedValue.ofAddress(InetAddress.getByName("2001:db8::1")),
      TypedValue.ofString(""),
      TypedValue.ofString("GET"),
      TypedValue.ofString("héllo wörld ✓ 😀"),
      TypedValue.ofStringBytes(notUtf8),
      TypedValue.ofBinary(new byte[0]),
      TypedValue.ofBinary(new byte[] {0, 1, 2, (byte) 0xff}),
      TypedValue.ofBinary(new byte[3000]));
  }

  // ---- transform ----

  @Test
  void transformReturnsTheSameInstance() {
    SpoaRequest req = new SpoaRequest("e", 1, 2, SpoaMessage.of("m"));
    assertSame(req, requestCodec.transform(req));
    SpoaReply reply = SpoaReply.of(Action.setVar(Scope.TXN, "x", 1));
    assertSame(reply, replyCodec.transform(reply));
    assertSame(SpoaReply.EMPTY, replyCodec.transform(SpoaReply.EMPTY));
  }

  @Test
  void codecNamesAndUserCodecIds() {
    assertEquals(SpoaRequestCodec.NAME, requestCodec.name());
    assertEquals(SpoaReplyCodec.NAME, replyCodec.name());
    assertEquals(-1, requestCodec.systemCodecID());
    assertEquals(-1, replyCodec.systemCodecID());
  }

  // ---- request wire form ----

  @Test
  void requestWithEveryTypedValueRoundTrips() throws Exception {
    List<Arg> args = new ArrayList<>();
    int i = 0;
    for (TypedValue v : everyType()) {
      args.add(Arg.of("a" + i++, v));
    }
    SpoaRequest req = new SpoaRequest("3f2504e0-4f89-41d3-9a0c-0305e82c3301", 43822, 7,
      new SpoaMessage("check-client-ip", args));
    SpoaRequest decoded = roundTrip(req);
    // equality of TypedValue covers type, bits and bytes; check a few by accessor too
    assertEquals(DataType.UINT64, decoded.arg("a10").type());
    assertEquals("18446744073709551615", decoded.arg("a10").value().asUnsignedString());
    assertEquals(Long.MIN_VALUE, decoded.arg("a7").asLong());
    assertEquals(InetAddress.getByName("2001:db8::1"), decoded.arg("a13").asInetAddress());
    assertArrayEquals(new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xff}, decoded.arg("a17").asBytes());
    assertEquals(DataType.STRING, decoded.arg("a17").type());
    assertEquals(3000, decoded.arg("a20").asBytes().length);
  }

  @Test
  void requestIdsKeepAll64Bits() {
    SpoaRequest req = new SpoaRequest("e", -1L, Long.MIN_VALUE, SpoaMessage.of("m"));
    SpoaRequest decoded = roundTrip(req);
    assertEquals(-1L, decoded.streamId());
    assertEquals(Long.MIN_VALUE, decoded.frameId());
  }

  @Test
  void requestWithUnnamedArgsAndEmptyEngineId() throws Exception {
    SpoaRequest req = new SpoaRequest("", 0, 1, SpoaMessage.of("m",
      Arg.of("", TypedValue.ofAddress(InetAddress.getByName("10.0.0.1"))),
      Arg.of("", TypedValue.NULL),
      Arg.of("named", TypedValue.ofInt64(5))));
    SpoaRequest decoded = roundTrip(req);
    assertEquals("", decoded.engineId());
    assertEquals("", decoded.arg(0).name());
    assertEquals("", decoded.arg(1).name());
    assertEquals(5, decoded.arg("named").asLong());
  }

  @Test
  void requestWithNullEngineIdTravelsAsEmpty() {
    SpoaRequest decoded = roundTrip(new SpoaRequest(null, 0, 1, SpoaMessage.of("m")));
    assertEquals("", decoded.engineId());
  }

  @Test
  void requestWithNonAsciiNames() {
    SpoaRequest req = new SpoaRequest("moteur-é-😀", 3, 1, SpoaMessage.of("vérifier-ip-✓",
      Arg.of("adresse-ü", TypedValue.ofString("wert-ß")),
      Arg.of("名前", TypedValue.ofInt32(-7))));
    SpoaRequest decoded = roundTrip(req);
    assertEquals("moteur-é-😀", decoded.engineId());
    assertEquals("vérifier-ip-✓", decoded.messageName());
    assertEquals("wert-ß", decoded.arg("adresse-ü").asString());
    assertEquals(-7, decoded.arg("名前").asInt());
  }

  @Test
  void requestWithEmptyMessageNameAndNoArgs() {
    SpoaRequest decoded = roundTrip(new SpoaRequest("e", 1, 1, SpoaMessage.of("")));
    assertEquals("", decoded.messageName());
    assertTrue(decoded.message().args().isEmpty());
  }

  @Test
  void requestWith255Args() {
    List<Arg> args = new ArrayList<>();
    for (int i = 0; i < 255; i++) {
      args.add(Arg.of(i % 2 == 0 ? "" : "arg" + i, i % 3 == 0 ? TypedValue.NULL : TypedValue.ofInt64(i)));
    }
    SpoaRequest decoded = roundTrip(new SpoaRequest("e", 1, 1, new SpoaMessage("many", args)));
    assertEquals(255, decoded.message().args().size());
    assertEquals(254, decoded.arg(254).asLong());
  }

  @Test
  void requestLengthPrefixCountsWhatFollows() {
    Buffer buf = withGarbage();
    requestCodec.encodeToWire(buf, new SpoaRequest("e", 1, 1, SpoaMessage.of("m")));
    assertEquals(buf.length() - GARBAGE.length - 4, buf.getInt(GARBAGE.length));
    assertEquals(SpoaRequestCodec.VERSION, buf.getByte(GARBAGE.length + 4));
    assertArrayEquals(GARBAGE, buf.getBytes(0, GARBAGE.length), "the bytes before the start are untouched");
  }

  @Test
  void twoRequestsBackToBackDecodeIndependently() throws Exception {
    SpoaRequest first = new SpoaRequest("engine-1", 1, 1, SpoaMessage.of("first",
      Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("192.168.1.1")))));
    SpoaRequest second = new SpoaRequest("", 3, 9, SpoaMessage.of("second",
      Arg.of("s", TypedValue.ofString("x")), Arg.of("", TypedValue.TRUE)));
    Buffer buf = withGarbage();
    requestCodec.encodeToWire(buf, first);
    int secondStart = buf.length();
    requestCodec.encodeToWire(buf, second);
    assertEquals(first, requestCodec.decodeFromWire(GARBAGE.length, buf));
    assertEquals(second, requestCodec.decodeFromWire(secondStart, buf));
    // the next position is derivable from the length prefix alone, as the event bus does
    assertEquals(secondStart, GARBAGE.length + 4 + buf.getInt(GARBAGE.length));
  }

  @Test
  void requestWithWrongVersionFails() {
    Buffer buf = withGarbage();
    requestCodec.encodeToWire(buf, new SpoaRequest("e", 1, 1, SpoaMessage.of("m")));
    buf.setByte(GARBAGE.length + 4, (byte) 2);
    Exception e = assertThrows(RuntimeException.class, () -> requestCodec.decodeFromWire(GARBAGE.length, buf));
    String msg = e.getMessage();
    assertTrue(msg.contains(SpoaRequestCodec.NAME), msg);
    assertTrue(msg.contains("2"), msg);
    assertTrue(msg.contains("version 2"), msg);
    assertTrue(msg.contains("reads 1"), msg);
  }

  // ---- reply wire form ----

  @Test
  void replyWithEveryActionAndScopeRoundTrips() throws Exception {
    List<Action> actions = new ArrayList<>();
    for (Scope s : Scope.values()) {
      actions.add(Action.setVar(s, "v_" + s.prefix(), 42));
      actions.add(Action.unsetVar(s, "u." + s.prefix()));
    }
    for (TypedValue v : everyType()) {
      actions.add(Action.setVar(Scope.TXN, "t" + actions.size(), v));
    }
    SpoaReply decoded = roundTrip(new SpoaReply(actions));
    assertEquals(actions.size(), decoded.actions().size());
    for (int i = 0; i < Scope.values().length; i++) {
      Action set = decoded.actions().get(2 * i);
      Action unset = decoded.actions().get(2 * i + 1);
      assertEquals(Action.Type.SET_VAR, set.type());
      assertEquals(Scope.values()[i], set.scope());
      assertEquals(Action.Type.UNSET_VAR, unset.type());
      assertEquals(Scope.values()[i], unset.scope());
      assertEquals(null, unset.value());
    }
  }

  @Test
  void emptyReplyRoundTrips() {
    SpoaReply decoded = roundTrip(SpoaReply.EMPTY);
    assertTrue(decoded.actions().isEmpty());
    Buffer buf = withGarbage();
    replyCodec.encodeToWire(buf, SpoaReply.EMPTY);
    assertEquals(1, buf.getInt(GARBAGE.length), "only the version byte follows the length");
  }

  @Test
  void twoRepliesBackToBackDecodeIndependently() {
    SpoaReply first = SpoaReply.of(Action.setVar(Scope.SESS, "ip_score", 42), Action.unsetVar(Scope.REQ, "x"));
    SpoaReply second = SpoaReply.EMPTY;
    SpoaReply third = SpoaReply.of(Action.setVar(Scope.RES, "s", "v"));
    Buffer buf = withGarbage();
    replyCodec.encodeToWire(buf, first);
    int p2 = buf.length();
    replyCodec.encodeToWire(buf, second);
    int p3 = buf.length();
    replyCodec.encodeToWire(buf, third);
    buf.appendBytes(GARBAGE);
    assertEquals(first, replyCodec.decodeFromWire(GARBAGE.length, buf));
    assertEquals(second, replyCodec.decodeFromWire(p2, buf));
    assertEquals(third, replyCodec.decodeFromWire(p3, buf));
  }

  @Test
  void replyWithWrongVersionFails() {
    Buffer buf = withGarbage();
    replyCodec.encodeToWire(buf, SpoaReply.of(Action.setVar(Scope.TXN, "x", 1)));
    buf.setByte(GARBAGE.length + 4, (byte) 7);
    Exception e = assertThrows(RuntimeException.class, () -> replyCodec.decodeFromWire(GARBAGE.length, buf));
    String msg = e.getMessage();
    assertTrue(msg.contains(SpoaReplyCodec.NAME), msg);
    assertTrue(msg.contains("version 7"), msg);
    assertTrue(msg.contains("reads 1"), msg);
  }

  // ---- registration and local delivery ----

  @Test
  void registerIsIdempotent() {
    assertDoesNotThrow(() -> SpoaCodecs.register(vertx));
    assertDoesNotThrow(() -> SpoaCodecs.register(vertx));
  }

  @Test
  void localDeliveryHandsOverTheSameInstances() {
    SpoaCodecs.register(vertx);
    SpoaCodecs.register(vertx);
    SpoaReply reply = SpoaReply.of(Action.setVar(Scope.SESS, "ip_score", 10));
    AtomicReference<Object> received = new AtomicReference<>();
    vertx.eventBus().<SpoaRequest>consumer("spoa.test.same", msg -> {
      received.set(msg.body());
      msg.reply(reply);
    }).completion().await();

    SpoaRequest req = new SpoaRequest("e", 1, 2, SpoaMessage.of("m", Arg.of("x", TypedValue.ofInt64(1))));
    Message<Object> answer = vertx.eventBus().request("spoa.test.same", req, BOUNDED).await();
    assertSame(req, received.get(), "the consumer gets the sender's instance, not a copy");
    assertSame(reply, answer.body(), "the requester gets the replier's instance, not a copy");
  }

  @Test
  void registerCompletesWhenOneCodecWasRegisteredByOtherMeans() {
    Vertx other = Vertx.vertx();
    try {
      other.eventBus().registerDefaultCodec(SpoaRequest.class, new SpoaRequestCodec());
      SpoaCodecs.register(other);
      // the reply codec must still be there: a reply travels with it
      other.eventBus().<SpoaRequest>consumer("spoa.test.partial", msg -> msg.reply(SpoaReply.EMPTY))
        .completion().await();
      Future<Message<Object>> f = other.eventBus().request("spoa.test.partial",
        new SpoaRequest("e", 1, 1, SpoaMessage.of("m")), BOUNDED);
      assertSame(SpoaReply.EMPTY, f.await().body());
    } finally {
      other.close().await();
    }
  }

  @Test
  void nonAsciiStringsUseUtf8OnTheWire() {
    Buffer buf = Buffer.buffer();
    requestCodec.encodeToWire(buf, new SpoaRequest("é", 0, 0, SpoaMessage.of("")));
    assertEquals(2, buf.getInt(5), "engine-id length counts UTF-8 bytes");
    assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), buf.getBytes(9, 11));
  }
}
