package dev.spoa.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class TypedValueCodecTest {

  /** Encodes {@code v}, checks the bytes, decodes them back and checks the whole input was used. */
  private static TypedValue roundTrip(TypedValue v, String expectedHex) {
    Buffer out = FrameEncoder.appendTypedValue(Buffer.buffer(), v);
    if (expectedHex != null) {
      assertEquals(Hex.of(expectedHex), Hex.of(out), "encoding of " + v);
    }
    SpopReader r = new SpopReader(out, 0, out.length());
    TypedValue back = FrameDecoder.readTypedValue(r);
    assertFalse(r.hasRemaining(), "bytes left after decoding " + v);
    assertEquals(v, back);
    assertEquals(v.hashCode(), back.hashCode());
    assertEquals(v.type(), back.type());
    return back;
  }

  private static TypedValue decode(String hex) {
    Buffer b = Hex.buffer(hex);
    SpopReader r = new SpopReader(b, 0, b.length());
    TypedValue v = FrameDecoder.readTypedValue(r);
    assertFalse(r.hasRemaining(), "bytes left after " + hex);
    return v;
  }

  @Test
  void nullValue() {
    TypedValue back = roundTrip(TypedValue.NULL, "00");
    assertTrue(back.isNull());
    assertEquals(DataType.NULL, back.type());
  }

  @Test
  void booleans() {
    assertTrue(roundTrip(TypedValue.TRUE, "11").asBoolean());
    assertFalse(roundTrip(TypedValue.FALSE, "01").asBoolean());
    assertSame(TypedValue.TRUE, TypedValue.ofBoolean(true));
    assertSame(TypedValue.FALSE, TypedValue.ofBoolean(false));
    assertTrue(decode("11").asBoolean());
    assertFalse(decode("01").asBoolean());
  }

  @Test
  void int32Boundaries() {
    assertEquals(0, roundTrip(TypedValue.ofInt32(0), "02 00").asInt());
    assertEquals(239, roundTrip(TypedValue.ofInt32(239), "02 ef").asInt());
    assertEquals(240, roundTrip(TypedValue.ofInt32(240), "02 f0 00").asInt());
    assertEquals(Integer.MAX_VALUE, roundTrip(TypedValue.ofInt32(Integer.MAX_VALUE), null).asInt());
    assertEquals(Integer.MIN_VALUE, roundTrip(TypedValue.ofInt32(Integer.MIN_VALUE), null).asInt());
    // negative values are sent as 64-bit two's complement
    assertEquals(-1, roundTrip(TypedValue.ofInt32(-1), "02 ff f0 fe fe fe fe fe fe fe 0e").asInt());
  }

  @Test
  void uint32Boundaries() {
    assertEquals(0L, roundTrip(TypedValue.ofUint32(0), "03 00").asLong());
    assertEquals(16380L, roundTrip(TypedValue.ofUint32(16380), "03 fc f0 06").asLong());
    assertEquals(0xFFFF_FFFFL, roundTrip(TypedValue.ofUint32(0xFFFF_FFFFL), null).asLong());
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofUint32(-1));
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofUint32(0x1_0000_0000L));
  }

  @Test
  void int64Boundaries() {
    assertEquals(-1L, roundTrip(TypedValue.ofInt64(-1), "04 ff f0 fe fe fe fe fe fe fe 0e").asLong());
    assertEquals(43822L, roundTrip(TypedValue.ofInt64(43822), "04 fe a3 14").asLong());
    assertEquals(Long.MAX_VALUE, roundTrip(TypedValue.ofInt64(Long.MAX_VALUE), null).asLong());
    assertEquals(Long.MIN_VALUE, roundTrip(TypedValue.ofInt64(Long.MIN_VALUE), null).asLong());
    assertEquals(0L, roundTrip(TypedValue.ofInt64(0), "04 00").asLong());
  }

  @Test
  void uint64Boundaries() {
    TypedValue max = roundTrip(TypedValue.ofUint64(-1L), "05 ff f0 fe fe fe fe fe fe fe 0e");
    assertEquals("18446744073709551615", max.asUnsignedString());
    assertEquals(-1L, max.asLong());
    assertEquals("9223372036854775808", roundTrip(TypedValue.ofUint64(Long.MIN_VALUE), null).asUnsignedString());
    assertEquals(0L, roundTrip(TypedValue.ofUint64(0), "05 00").asLong());
  }

  @Test
  void ofIntegerChecksTheType() {
    assertEquals(DataType.UINT64, TypedValue.ofInteger(DataType.UINT64, 5).type());
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofInteger(DataType.STRING, 5));
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofInteger(DataType.BOOL, 1));
  }

  @Test
  void integerTypesAreDistinct() {
    assertFalse(TypedValue.ofInt32(7).equals(TypedValue.ofInt64(7)));
    assertFalse(TypedValue.ofUint32(7).equals(TypedValue.ofUint64(7)));
  }

  @Test
  void ipv4() throws Exception {
    TypedValue v = roundTrip(TypedValue.ofAddress(new byte[] {127, 0, 0, 1}), "06 7f 00 00 01");
    assertEquals(DataType.IPV4, v.type());
    assertEquals(InetAddress.getByName("127.0.0.1"), v.asInetAddress());
    assertEquals(DataType.IPV4, TypedValue.ofAddress(InetAddress.getByName("10.1.2.3")).type());
    assertEquals(0x7F000001, v.asIpv4());
    assertEquals(0xC0000207, TypedValue.ofAddress(InetAddress.getByName("192.0.2.7")).asIpv4());
  }

  @Test
  void ipv6() throws Exception {
    InetAddress addr = InetAddress.getByName("2001:db8::ff00:42:8329");
    TypedValue v = roundTrip(TypedValue.ofAddress(addr), "07 20 01 0d b8 00 00 00 00 00 00 ff 00 00 42 83 29");
    assertEquals(DataType.IPV6, v.type());
    assertEquals(addr, v.asInetAddress());
    assertArrayEquals(addr.getAddress(), v.asBytes());
  }

  @Test
  void addressesOfWrongLengthAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofAddress(new byte[5]));
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofAddress(new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> TypedValue.ofAddress(new byte[15]));
  }

  @Test
  void strings() {
    assertEquals("", roundTrip(TypedValue.ofString(""), "08 00").asString());
    assertEquals("GET", roundTrip(TypedValue.ofString("GET"), "08 03\"GET\"").asString());
    assertEquals("h\u00e9\u20ac\uD83D\uDE00", roundTrip(TypedValue.ofString("h\u00e9\u20ac\uD83D\uDE00"),
      "08 0a 68 c3 a9 e2 82 ac f0 9f 98 80").asString());
  }

  @Test
  void stringLengthsAtVarintBoundaries() {
    for (int len : new int[] {239, 240, 2287, 2288, 70_000}) {
      char[] c = new char[len];
      Arrays.fill(c, 'x');
      String s = new String(c);
      TypedValue back = roundTrip(TypedValue.ofString(s), null);
      assertEquals(s, back.asString());
      Buffer out = FrameEncoder.appendTypedValue(Buffer.buffer(), back);
      assertEquals(1 + Varint.size(len) + len, out.length());
      assertEquals(len, Varint.decode(out, 1, out.length()));
    }
  }

  @Test
  void invalidUtf8StringBytesSurvive() {
    byte[] raw = {(byte) 0xff, (byte) 0xc3, 0x28, 0x00};
    TypedValue back = roundTrip(TypedValue.ofStringBytes(raw), "08 04 ff c3 28 00");
    assertArrayEquals(raw, back.asBytes());
    assertEquals(DataType.STRING, back.type());
  }

  @Test
  void binary() {
    byte[] raw = new byte[256];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) i;
    }
    TypedValue back = roundTrip(TypedValue.ofBinary(raw), null);
    assertEquals(DataType.BINARY, back.type());
    assertArrayEquals(raw, back.asBytes());
    assertEquals(Hex.of("09 00"), Hex.of(FrameEncoder.appendTypedValue(Buffer.buffer(), TypedValue.ofBinary(new byte[0]))));
    assertEquals(Hex.of("09 03 00 01 02"), Hex.of(FrameEncoder.appendTypedValue(Buffer.buffer(),
      TypedValue.ofBinary(new byte[] {0, 1, 2}))));
  }

  @Test
  void stringAndBinaryWithSameBytesDiffer() {
    assertFalse(TypedValue.ofString("ab").equals(TypedValue.ofBinary("ab".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void valuesAreCopiedNotShared() {
    byte[] raw = {1, 2, 3};
    TypedValue bin = TypedValue.ofBinary(raw);
    TypedValue str = TypedValue.ofStringBytes(raw);
    TypedValue ip = TypedValue.ofAddress(new byte[] {1, 2, 3, 4});
    raw[0] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, bin.asBytes());
    assertArrayEquals(new byte[] {1, 2, 3}, str.asBytes());
    byte[] out = bin.asBytes();
    out[1] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, bin.asBytes());
    assertNotSame(ip.asBytes(), ip.asBytes());
  }

  @Test
  void accessorsRefuseOtherTypes() {
    assertThrows(IllegalStateException.class, () -> TypedValue.ofString("1").asLong());
    assertThrows(IllegalStateException.class, () -> TypedValue.ofInt64(1).asString());
    assertThrows(IllegalStateException.class, () -> TypedValue.ofInt64(1).asBytes());
    assertThrows(IllegalStateException.class, () -> TypedValue.NULL.asBoolean());
    assertThrows(IllegalStateException.class, () -> TypedValue.ofString("x").asInetAddress());
    assertThrows(ArithmeticException.class, () -> TypedValue.ofInt64(1L << 31).asInt());
    assertThrows(ArithmeticException.class, () -> TypedValue.ofInt64(Long.MIN_VALUE).asInt());
  }

  /** All types one after another in one buffer: each decode stops exactly at the value's end. */
  @Test
  void sequenceOfAllTypes() {
    List<TypedValue> values = new ArrayList<>(List.of(TypedValue.NULL, TypedValue.TRUE, TypedValue.FALSE,
      TypedValue.ofInt32(-5), TypedValue.ofUint32(4_000_000_000L), TypedValue.ofInt64(-1), TypedValue.ofUint64(1L << 63),
      TypedValue.ofAddress(new byte[4]), TypedValue.ofAddress(new byte[16]), TypedValue.ofString("s"),
      TypedValue.ofBinary(new byte[] {0})));
    Buffer out = Buffer.buffer();
    for (TypedValue v : values) {
      FrameEncoder.appendTypedValue(out, v);
    }
    SpopReader r = new SpopReader(out, 0, out.length());
    for (TypedValue v : values) {
      assertEquals(v, FrameDecoder.readTypedValue(r));
    }
    assertFalse(r.hasRemaining());
  }

  @Test
  void everyTypeCodeIsCovered() {
    for (DataType t : DataType.values()) {
      assertSame(t, DataType.fromCode(t.code()));
    }
    assertEquals(10, DataType.values().length);
    for (int code = 10; code < 16; code++) {
      assertEquals(null, DataType.fromCode(code));
    }
  }
}
