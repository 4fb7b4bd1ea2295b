package dev.spoa.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Decodes the frames captured from HAProxy 2.6.12 (spop-spec.md) and re-encodes them byte for byte. */
class FrameDecoderVectorsTest {

  private static void assertReencodes(String vector, Frame frame) {
    assertEquals(Hex.of(vector), Hex.of(FrameEncoder.encode(frame)));
  }

  @Test
  void lengthPrefixesOfTheVectorsAreRight() {
    for (String v : List.of(Vectors.HAPROXY_HELLO, Vectors.HEALTHCHECK_HELLO, Vectors.NOTIFY,
      Vectors.ACK_SET_IP_SCORE, Vectors.ACK_EMPTY)) {
      Buffer all = Hex.buffer(v);
      assertEquals(all.length() - 4, all.getInt(0), v);
    }
    assertEquals(129, Vectors.body(Vectors.HAPROXY_HELLO).length());
    assertEquals(78, Vectors.body(Vectors.HEALTHCHECK_HELLO).length());
    assertEquals(71, Vectors.body(Vectors.NOTIFY).length());
  }

  @Test
  void haproxyHello() {
    Frame f = FrameDecoder.decode(Vectors.body(Vectors.HAPROXY_HELLO));
    KvFrame hello = assertInstanceOf(KvFrame.class, f);
    assertEquals(FrameType.HAPROXY_HELLO, hello.type());
    assertEquals(Frame.FLAG_FIN, hello.flags());
    assertTrue(hello.fin());
    assertFalse(hello.abort());
    assertEquals(0L, hello.streamId());
    assertEquals(0L, hello.frameId());
    assertEquals(List.of("supported-versions", "max-frame-size", "capabilities", "engine-id"),
      List.copyOf(hello.entries().keySet()));
    assertEquals(TypedValue.ofString("2.0"), hello.get("supported-versions"));
    assertEquals(DataType.UINT32, hello.get("max-frame-size").type());
    assertEquals(16380L, hello.get("max-frame-size").asLong());
    assertEquals("pipelining,async", hello.get("capabilities").asString());
    assertEquals(Vectors.ENGINE_ID, hello.get("engine-id").asString());
    assertEquals(36, hello.get("engine-id").asString().length());
    assertEquals(null, hello.get("healthcheck"));
    assertReencodes(Vectors.HAPROXY_HELLO, hello);
  }

  @Test
  void healthCheckHello() {
    KvFrame hello = assertInstanceOf(KvFrame.class, FrameDecoder.decode(Vectors.body(Vectors.HEALTHCHECK_HELLO)));
    assertEquals(FrameType.HAPROXY_HELLO, hello.type());
    assertEquals(List.of("supported-versions", "max-frame-size", "capabilities", "healthcheck"),
      List.copyOf(hello.entries().keySet()));
    assertEquals("", hello.get("capabilities").asString());
    assertEquals(DataType.STRING, hello.get("capabilities").type());
    assertEquals(TypedValue.TRUE, hello.get("healthcheck"));
    assertEquals(null, hello.get("engine-id"));
    assertReencodes(Vectors.HEALTHCHECK_HELLO, hello);
  }

  @Test
  void notifyWithInt64MinusOne() throws Exception {
    NotifyFrame n = assertInstanceOf(NotifyFrame.class, FrameDecoder.decode(Vectors.body(Vectors.NOTIFY)));
    assertEquals(FrameType.NOTIFY, n.type());
    assertEquals(0L, n.streamId());
    assertEquals(1L, n.frameId());
    assertTrue(n.fin());
    assertEquals(1, n.messages().size());
    SpoaMessage m = n.messages().get(0);
    assertEquals("check-client-ip", m.name());
    assertEquals(5, m.args().size());
    assertEquals(List.of("ip", "port", "meth", "ssl", "neg"), m.args().stream().map(Arg::name).toList());
    assertEquals(DataType.IPV4, m.arg("ip").type());
    assertEquals(InetAddress.getByName("127.0.0.1"), m.arg("ip").asInetAddress());
    assertEquals(DataType.INT64, m.arg("port").type());
    assertEquals(43822L, m.arg("port").asLong());
    assertEquals("GET", m.arg("meth").asString());
    assertEquals(DataType.BOOL, m.arg("ssl").type());
    assertFalse(m.arg("ssl").asBoolean());
    assertEquals(DataType.INT64, m.arg("neg").type());
    assertEquals(-1L, m.arg("neg").asLong());
    assertEquals(-1, m.arg("neg").asInt());
    assertEquals("neg", m.arg(4).name());
    assertEquals(null, m.argOrNull("missing"));
    assertReencodes(Vectors.NOTIFY, n);
  }

  @Test
  void notifyBuiltFromTheModelEncodesLikeHaproxy() throws Exception {
    NotifyFrame n = NotifyFrame.of(0, 1, SpoaMessage.of("check-client-ip",
      Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("127.0.0.1"))),
      Arg.of("port", TypedValue.ofInt64(43822)),
      Arg.of("meth", TypedValue.ofString("GET")),
      Arg.of("ssl", TypedValue.FALSE),
      Arg.of("neg", TypedValue.ofInt64(-1))));
    assertReencodes(Vectors.NOTIFY, n);
  }

  @Test
  void ackSettingIpScore() {
    AckFrame ack = assertInstanceOf(AckFrame.class, FrameDecoder.decode(Vectors.body(Vectors.ACK_SET_IP_SCORE)));
    assertEquals(FrameType.ACK, ack.type());
    assertEquals(0L, ack.streamId());
    assertEquals(1L, ack.frameId());
    assertTrue(ack.fin());
    assertEquals(List.of(Action.setVar(Scope.SESS, "ip_score", TypedValue.ofUint32(42))), ack.actions());
    Action a = ack.actions().get(0);
    assertEquals(Action.Type.SET_VAR, a.type());
    assertEquals(Scope.SESS, a.scope());
    assertEquals("ip_score", a.name());
    assertEquals(42L, a.value().asLong());
    assertReencodes(Vectors.ACK_SET_IP_SCORE, ack);
  }

  @Test
  void emptyAck() {
    AckFrame ack = assertInstanceOf(AckFrame.class, FrameDecoder.decode(Vectors.body(Vectors.ACK_EMPTY)));
    assertEquals(5L, ack.streamId());
    assertEquals(1L, ack.frameId());
    assertTrue(ack.actions().isEmpty());
    assertReencodes(Vectors.ACK_EMPTY, ack);
  }

  @Test
  void decodesAFrameInsideALargerBuffer() {
    byte[] body = Vectors.body(Vectors.NOTIFY).getBytes();
    Buffer buf = Buffer.buffer().appendBytes(Hex.bytes("de ad be ef")).appendBytes(body).appendBytes(Hex.bytes("ff ff"));
    Frame f = FrameDecoder.decode(buf, 4, 4 + body.length);
    assertEquals(FrameDecoder.decode(Vectors.body(Vectors.NOTIFY)), f);
  }

  @Test
  void unsetVarAck() {
    String v = "00000013 67 00000001 07 02 02 02 02 08\"ip_score\"";
    AckFrame ack = assertInstanceOf(AckFrame.class, FrameDecoder.decode(Vectors.body(v)));
    assertEquals(List.of(Action.unsetVar(Scope.TXN, "ip_score")), ack.actions());
    assertEquals(null, ack.actions().get(0).value());
    assertReencodes(v, ack);
  }

  @Test
  void multipleMessagesAndEmptyArgNamesAndNull() {
    String v = "00000015 03 00000001 02 01"
      + " 01\"a\" 01 00 00"           // message a: one unnamed NULL argument
      + " 01\"b\" 00"                 // message b: no argument
      + " 01\"c\" 01 01\"x\" 11";     // message c: x = true
    NotifyFrame n = assertInstanceOf(NotifyFrame.class, FrameDecoder.decode(Vectors.body(v)));
    assertEquals(List.of("a", "b", "c"), n.messages().stream().map(SpoaMessage::name).toList());
    assertEquals("", n.messages().get(0).arg(0).name());
    assertTrue(n.messages().get(0).arg(0).isNull());
    assertTrue(n.messages().get(1).args().isEmpty());
    assertTrue(n.messages().get(2).arg("x").asBoolean());
    assertEquals(2L, n.streamId());
    assertReencodes(v, n);
  }

  @Test
  void emptyNotifyIsValid() {
    NotifyFrame n = assertInstanceOf(NotifyFrame.class, FrameDecoder.decode(Vectors.body("00000007 03 00000001 03 01")));
    assertTrue(n.messages().isEmpty());
    assertEquals(3L, n.streamId());
  }

  @Test
  void haproxyDisconnect() {
    String v = "00000031 02 00000001 00 00 0b\"status-code\" 03 02 07\"message\" 08 12\"a timeout occurred\"";
    KvFrame d = assertInstanceOf(KvFrame.class, FrameDecoder.decode(Vectors.body(v)));
    assertEquals(FrameType.HAPROXY_DISCONNECT, d.type());
    assertEquals(SpopStatus.TIMEOUT, SpopStatus.fromCode(d.get("status-code").asLong()));
    assertEquals(SpopStatus.TIMEOUT.message(), d.get("message").asString());
    assertReencodes(v, d);
  }

  @Test
  void notifyFragmentsStayRaw() {
    // 2.6 fragmentation: NOTIFY without FIN, then UNSET continuations, the last with FIN
    String first = "0000000d 03 00000000 09 01 0f\"check\"";
    String cont = "0000000a 00 00000001 09 01 \"-ip\"";
    String abort = "00000007 00 00000003 09 01";
    FragmentFrame f1 = assertInstanceOf(FragmentFrame.class, FrameDecoder.decode(Vectors.body(first)));
    assertEquals(FrameType.NOTIFY, f1.type());
    assertFalse(f1.fin());
    assertEquals(9L, f1.streamId());
    assertArrayEquals(Hex.bytes("0f\"check\""), f1.payload().getBytes());
    FragmentFrame f2 = assertInstanceOf(FragmentFrame.class, FrameDecoder.decode(Vectors.body(cont)));
    assertEquals(FrameType.UNSET, f2.type());
    assertTrue(f2.fin());
    assertArrayEquals(Hex.bytes("\"-ip\""), f2.payload().getBytes());
    FragmentFrame f3 = assertInstanceOf(FragmentFrame.class, FrameDecoder.decode(Vectors.body(abort)));
    assertTrue(f3.abort());
    assertEquals(0, f3.payload().length());
    assertReencodes(first, f1);
    assertReencodes(cont, f2);
    assertReencodes(abort, f3);
  }

  @Test
  void largeIdsAreEchoedExactly() {
    AckFrame ack = AckFrame.of(-1L, 4328786160L, List.of());
    Buffer enc = FrameEncoder.encode(ack);
    assertEquals(enc.length() - 4, enc.getInt(0));
    AckFrame back = assertInstanceOf(AckFrame.class, FrameDecoder.decode(enc.getBuffer(4, enc.length())));
    assertEquals(-1L, back.streamId());
    assertEquals(4328786160L, back.frameId());
    assertEquals(ack, back);
  }
}
