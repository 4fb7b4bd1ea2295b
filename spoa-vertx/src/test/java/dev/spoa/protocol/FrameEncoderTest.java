package dev.spoa.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FrameEncoderTest {

  private static Frame decodeWhole(Buffer frame) {
    assertEquals(frame.length() - 4, frame.getInt(0), "length prefix");
    return FrameDecoder.decode(frame.getBuffer(4, frame.length()));
  }

  @Test
  void agentHelloLayout() {
    Buffer hello = FrameEncoder.agentHello(16380, "pipelining");
    String expected = "00000040 65 00000001 00 00"
      + " 07\"version\" 08 03\"2.0\""
      + " 0e\"max-frame-size\" 03 fcf006"
      + " 0c\"capabilities\" 08 0a\"pipelining\"";
    assertEquals(Hex.of(expected), Hex.of(hello));
    KvFrame kv = assertInstanceOf(KvFrame.class, decodeWhole(hello));
    assertEquals(FrameType.AGENT_HELLO, kv.type());
    assertEquals("2.0", kv.get("version").asString());
  }

  @Test
  void agentHelloWithEmptyCapabilities() {
    Buffer hello = FrameEncoder.agentHello(256, "");
    KvFrame kv = assertInstanceOf(KvFrame.class, decodeWhole(hello));
    assertEquals(256L, kv.get("max-frame-size").asLong());
    assertEquals(TypedValue.ofString(""), kv.get("capabilities"));
    assertTrue(Hex.of(hello).endsWith(Hex.of("0c\"capabilities\" 08 00")));
  }

  @Test
  void agentDisconnectLayout() {
    Buffer d = FrameEncoder.agentDisconnect(SpopStatus.NORMAL);
    String expected = "00000025 66 00000001 00 00 0b\"status-code\" 03 00 07\"message\" 08 06\"normal\"";
    assertEquals(Hex.of(expected), Hex.of(d));
    Buffer d9 = FrameEncoder.agentDisconnect(SpopStatus.BAD_MAX_FRAME_SIZE);
    KvFrame kv = assertInstanceOf(KvFrame.class, decodeWhole(d9));
    assertEquals(FrameType.AGENT_DISCONNECT, kv.type());
    assertEquals(0L, kv.streamId());
    assertEquals(0L, kv.frameId());
    assertTrue(kv.fin());
    assertEquals(9L, kv.get("status-code").asLong());
    assertEquals(DataType.UINT32, kv.get("status-code").type());
    assertEquals("max-frame-size too big or too small", kv.get("message").asString());
  }

  @Test
  void disconnectMessageIsCutTo255Bytes() {
    String exact = "m".repeat(255);
    assertEquals(exact, message(FrameEncoder.agentDisconnect(99, exact)));
    String longer = "0123456789".repeat(30);
    byte[] cut = message(FrameEncoder.agentDisconnect(99, longer)).getBytes(StandardCharsets.UTF_8);
    assertEquals(FrameEncoder.MAX_DISCONNECT_MESSAGE, cut.length);
    assertEquals(longer.substring(0, 255), new String(cut, StandardCharsets.UTF_8));
    // multi-byte text: at most 255 bytes on the wire, cut between characters (3-byte euros: 85 fit)
    String euros = "x" + "\u20ac".repeat(100); // 301 bytes of UTF-8
    Buffer d = FrameEncoder.agentDisconnect(1, euros);
    KvFrame kv = assertInstanceOf(KvFrame.class, decodeWhole(d));
    assertEquals(253, kv.get("message").asBytes().length);
    assertArrayEquals(Arrays.copyOf(euros.getBytes(StandardCharsets.UTF_8), 253), kv.get("message").asBytes());
    assertEquals(euros.substring(0, 85), kv.get("message").asString());
  }

  private static String message(Buffer disconnect) {
    return assertInstanceOf(KvFrame.class, decodeWhole(disconnect)).get("message").asString();
  }

  @Test
  void ackLayoutOfSpecSection5() {
    Buffer ack = FrameEncoder.ack(0, 1, List.of(Action.setVar(Scope.SESS, "ip_score", TypedValue.ofUint32(42))));
    assertEquals(Hex.of(Vectors.ACK_SET_IP_SCORE), Hex.of(ack));
    assertEquals(Hex.of(Vectors.ACK_EMPTY), Hex.of(FrameEncoder.ack(5, 1, List.of())));
  }

  @Test
  void ackActionByteLayout() {
    // SET-VAR: type 01, NB-ARGS 03, raw scope byte, bare name, typed value
    Buffer set = FrameEncoder.appendAction(Buffer.buffer(), Action.setVar(Scope.TXN, "n", -1L));
    assertEquals(Hex.of("01 03 02 01\"n\" 04 ff f0 fe fe fe fe fe fe fe 0e"), Hex.of(set));
    // UNSET-VAR: type 02, NB-ARGS 02, raw scope byte, bare name, nothing else
    Buffer unset = FrameEncoder.appendAction(Buffer.buffer(), Action.unsetVar(Scope.RES, "gone"));
    assertEquals(Hex.of("02 02 04 04\"gone\""), Hex.of(unset));
    Buffer bool = FrameEncoder.appendAction(Buffer.buffer(), Action.setVar(Scope.PROC, "b", true));
    assertEquals(Hex.of("01 03 00 01\"b\" 11"), Hex.of(bool));
    Buffer str = FrameEncoder.appendAction(Buffer.buffer(), Action.setVar(Scope.REQ, "s", "ok"));
    assertEquals(Hex.of("01 03 03 01\"s\" 08 02\"ok\""), Hex.of(str));
  }

  @Test
  void ackWithSeveralActionsRoundTrips() throws Exception {
    List<Action> actions = List.of(
      Action.setVar(Scope.SESS, "ip_score", 42L),
      Action.unsetVar(Scope.TXN, "old"),
      Action.setVar(Scope.REQ, "addr", InetAddress.getByName("2001:db8::1")),
      Action.setVar(Scope.RES, "nothing", TypedValue.NULL),
      Action.setVar(Scope.PROC, "blob", new byte[300]));
    Buffer ack = FrameEncoder.ack(3, 1, actions);
    AckFrame back = assertInstanceOf(AckFrame.class, decodeWhole(ack));
    assertEquals(actions, back.actions());
    assertEquals(3L, back.streamId());
    assertEquals(1L, back.frameId());
    assertEquals(Frame.FLAG_FIN, back.flags());
    assertEquals(Hex.of(ack), Hex.of(FrameEncoder.encode(back)));
  }

  @Test
  void kvFrameWithNonAsciiKeyRoundTrips() {
    Map<String, TypedValue> kv = new LinkedHashMap<>();
    kv.put("cl\u00e9", TypedValue.ofString("v\u00e4lue"));
    kv.put("n", TypedValue.ofUint64(-1L));
    Buffer enc = FrameEncoder.kv(FrameType.AGENT_HELLO, Frame.FLAG_FIN, 0, 0, kv);
    assertTrue(Hex.of(enc).contains(Hex.of("04 63 6c c3 a9")), Hex.of(enc));
    KvFrame back = assertInstanceOf(KvFrame.class, decodeWhole(enc));
    assertEquals(kv, back.entries());
    assertEquals(List.copyOf(kv.keySet()), List.copyOf(back.entries().keySet()));
  }

  @Test
  void messageEncoding() {
    Buffer out = FrameEncoder.appendMessage(Buffer.buffer(),
      SpoaMessage.of("m", Arg.of("", TypedValue.NULL), Arg.of("x", TypedValue.TRUE)));
    assertEquals(Hex.of("01\"m\" 02 00 00 01\"x\" 11"), Hex.of(out));
    List<Arg> many = new ArrayList<>();
    for (int i = 0; i < 255; i++) {
      many.add(Arg.of("", TypedValue.NULL));
    }
    Buffer full = FrameEncoder.appendMessage(Buffer.buffer(), new SpoaMessage("m", many));
    assertEquals(0xff, full.getUnsignedByte(2));
    assertEquals(255, FrameDecoder.decodeMessages(full, 0, full.length()).get(0).args().size());
  }

  private static List<TypedValue> valuesOfEveryType() throws Exception {
    List<TypedValue> values = new ArrayList<>(List.of(TypedValue.NULL, TypedValue.TRUE, TypedValue.FALSE,
      TypedValue.ofAddress(InetAddress.getByName("127.0.0.1")), TypedValue.ofAddress(InetAddress.getByName("::1")),
      TypedValue.ofString("h\u00e9\u20ac"), TypedValue.ofStringBytes(new byte[] {(byte) 0xff})));
    for (long v : new long[] {0, 1, 239, 240, 2287, 2288, 264431, 264432, 0xFFFF_FFFFL, Long.MAX_VALUE, Long.MIN_VALUE, -1}) {
      values.add(TypedValue.ofInt64(v));
      values.add(TypedValue.ofUint64(v));
      values.add(TypedValue.ofInt32((int) v));
      if (v >= 0 && v <= 0xFFFF_FFFFL) {
        values.add(TypedValue.ofUint32(v));
      }
    }
    for (int len : new int[] {0, 1, 239, 240, 2287, 2288, 264432}) {
      values.add(TypedValue.ofString("s".repeat(len)));
      values.add(TypedValue.ofBinary(new byte[len]));
    }
    return values;
  }

  @Test
  void encodedSizeOfValuesMatchesAppend() throws Exception {
    for (TypedValue v : valuesOfEveryType()) {
      Buffer out = FrameEncoder.appendTypedValue(Buffer.buffer().appendByte((byte) 0x55), v);
      assertEquals(out.length() - 1, FrameEncoder.encodedSize(v), "encodedSize of " + v);
    }
  }

  @Test
  void encodedSizeOfActionsMatchesAppend() throws Exception {
    List<Action> actions = new ArrayList<>();
    for (TypedValue v : valuesOfEveryType()) {
      actions.add(Action.setVar(Scope.TXN, "name", v));
    }
    actions.add(Action.unsetVar(Scope.SESS, "x"));
    actions.add(Action.unsetVar(Scope.SESS, "a".repeat(63)));
    // decoded actions may carry any name, e.g. non-ASCII or longer than 239 bytes
    actions.add(Action.decoded(Action.Type.SET_VAR, Scope.REQ, "\u00e9\u20ac", TypedValue.ofInt64(-1)));
    actions.add(Action.decoded(Action.Type.UNSET_VAR, Scope.REQ, "n".repeat(300), null));
    for (Action a : actions) {
      Buffer out = FrameEncoder.appendAction(Buffer.buffer(), a);
      assertEquals(out.length(), FrameEncoder.encodedSize(a), "encodedSize of " + a);
    }
  }

  @Test
  void encodedSizesAddUpToTheAckLength() {
    List<Action> actions = List.of(Action.setVar(Scope.SESS, "ip_score", 42L), Action.setVar(Scope.TXN, "t", "x".repeat(500)),
      Action.unsetVar(Scope.RES, "r"));
    int sum = 0;
    for (Action a : actions) {
      sum += FrameEncoder.encodedSize(a);
    }
    Buffer ack = FrameEncoder.ack(0, 1, actions);
    assertEquals(4 + 7 + sum, ack.length());
  }
}
