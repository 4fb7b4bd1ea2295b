package dev.spoa.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VarintTest {

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  /** The varint table of spop-spec.md section 2.1. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0, 00",
    "1, 01",
    "239, ef",
    "240, f0 00",
    "1000, f8 2f",
    "2287, ff 7f",
    "2288, f0 80 00",
    "16380, fc f0 06",
    "43822, fe a3 14",
    "264432, f0 80 80 00",
    "18446744073709551615, ff f0 fe fe fe fe fe fe fe 0e",
  })
  void specTable(String unsigned, String hex) {
    long value = Long.parseUnsignedLong(unsigned);
    byte[] expected = Hex.bytes(hex);
    assertEquals(Hex.of(expected), Hex.of(Varint.encode(value)));
    assertEquals(expected.length, Varint.size(value));
    assertEquals(value, Varint.decode(Buffer.buffer(expected), 0, expected.length));
  }

  @Test
  void int64MinusOneIsTenBytes() {
    assertEquals(Varint.MAX_BYTES, Varint.encode(-1L).length);
    assertEquals(10, Varint.size(-1L));
    assertEquals(10, Varint.size(Long.MIN_VALUE));
    assertEquals(-1L, Varint.decode(Hex.buffer("ff f0 fe fe fe fe fe fe fe 0e"), 0, 10));
  }

  /** Lengths of spop-spec.md 2.1: <240 1 byte, <2288 2, <264432 3, <33818864 4, <4328786160 5. */
  @ParameterizedTest(name = "{0}: {1} bytes")
  @CsvSource({
    "239, 1", "240, 2", "2287, 2", "2288, 3", "264431, 3", "264432, 4",
    "33818863, 4", "33818864, 5", "4328786159, 5", "4328786160, 6",
  })
  void sizeBoundaries(long value, int bytes) {
    assertEquals(bytes, Varint.size(value));
    assertEquals(bytes, Varint.encode(value).length);
  }

  @Test
  void roundTripOfBoundaryAndRandomValues() {
    List<Long> values = new ArrayList<>(List.of(0L, 1L, 127L, 128L, 239L, 240L, 241L, 255L, 256L,
      Integer.MAX_VALUE + 0L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -2L, -1L));
    for (long boundary : new long[] {240L, 2288L, 264432L, 33818864L, 4328786160L}) {
      values.add(boundary - 1);
      values.add(boundary);
    }
    for (int bits = 1; bits < 64; bits++) {
      values.add(1L << bits);
      values.add((1L << bits) - 1);
    }
    Random random = new Random(20240607L);
    for (int i = 0; i < 20_000; i++) {
      values.add(random.nextLong() >>> random.nextInt(64));
    }
    for (long v : values) {
      byte[] enc = Varint.encode(v);
      assertEquals(Hex.of(referenceEncode(v)), Hex.of(enc), "encoding of " + Long.toUnsignedString(v));
      assertEquals(enc.length, Varint.size(v), "size of " + Long.toUnsignedString(v));
      assertEquals(v, Varint.decode(Buffer.buffer(enc), 0, enc.length), "decoding of " + Long.toUnsignedString(v));
    }
  }

  @Test
  void appendAppendsAfterExistingBytes() {
    Buffer out = Buffer.buffer().appendByte((byte) 0x55);
    Varint.append(out, 1000);
    Varint.append(out, 5);
    assertEquals(Hex.of("55 f8 2f 05"), Hex.of(out));
  }

  @Test
  void decodesAtAnOffsetAndStopsAtEnd() {
    Buffer buf = Hex.buffer("aa bb fc f0 06 cc");
    assertEquals(16380L, Varint.decode(buf, 2, 5));
    // the same bytes with the end one byte too early: truncated even though the buffer goes on
    SpopException e = assertThrows(SpopException.class, () -> Varint.decode(buf, 2, 4));
    assertEquals(SpopStatus.INVALID_FRAME, e.status());
  }

  @Test
  void truncatedVarintsAreInvalidFrames() {
    byte[] minusOne = Hex.bytes("ff f0 fe fe fe fe fe fe fe 0e");
    for (int cut = 0; cut < minusOne.length; cut++) {
      int end = cut;
      SpopException e = assertThrows(SpopException.class, () -> Varint.decode(Buffer.buffer(minusOne), 0, end),
        "cut at " + cut);
      assertEquals(SpopStatus.INVALID_FRAME, e.status());
    }
  }

  @Test
  void elevenByteVarintIsRejected() {
    assertOverflow("ff ff ff ff ff ff ff ff ff ff 00");
    assertOverflow("f0 80 80 80 80 80 80 80 80 80 00");
  }

  @Test
  void tenthByteAbove15IsRejected() {
    assertOverflow("ff f0 fe fe fe fe fe fe fe 10");
    assertOverflow("f0 80 80 80 80 80 80 80 80 10");
    assertOverflow("f0 80 80 80 80 80 80 80 80 7f");
    assertOverflow("f0 80 80 80 80 80 80 80 80 ff 00");
  }

  @Test
  void tenthByteThatOverflows64BitsIsRejected() {
    // 0e gives exactly 2^64-1; 0f adds 2^60 more
    assertOverflow("ff f0 fe fe fe fe fe fe fe 0f");
  }

  /** Every 10-byte varint with a 10th byte 0..15 decodes to the exact value, or fails when >= 2^64. */
  @Test
  void tenByteVarintsAgreeWithExactArithmetic() {
    Random random = new Random(7L);
    for (int i = 0; i < 5_000; i++) {
      byte[] b = new byte[10];
      b[0] = (byte) (0xF0 | random.nextInt(16));
      for (int k = 1; k < 9; k++) {
        b[k] = (byte) (0x80 | random.nextInt(128));
      }
      b[9] = (byte) random.nextInt(16);
      BigInteger exact = referenceDecode(b);
      if (exact.compareTo(TWO_64) >= 0) {
        SpopException e = assertThrows(SpopException.class, () -> Varint.decode(Buffer.buffer(b), 0, 10), Hex.of(b));
        assertEquals(SpopStatus.INVALID_FRAME, e.status());
      } else {
        assertEquals(exact.longValue(), Varint.decode(Buffer.buffer(b), 0, 10), Hex.of(b));
      }
    }
  }

  private static void assertOverflow(String hex) {
    byte[] b = Hex.bytes(hex);
    SpopException e = assertThrows(SpopException.class, () -> Varint.decode(Buffer.buffer(b), 0, b.length), hex);
    assertEquals(SpopStatus.INVALID_FRAME, e.status());
  }

  /** The encoder of spop-spec.md 2.1, in exact arithmetic. */
  static byte[] referenceEncode(long value) {
    BigInteger x = new BigInteger(Long.toUnsignedString(value));
    BigInteger b240 = BigInteger.valueOf(240);
    BigInteger b128 = BigInteger.valueOf(128);
    Buffer out = Buffer.buffer();
    if (x.compareTo(b240) < 0) {
      return new byte[] {(byte) x.intValue()};
    }
    out.appendByte((byte) (x.or(BigInteger.valueOf(0xF0)).intValue() & 0xFF));
    x = x.subtract(b240).shiftRight(4);
    while (x.compareTo(b128) >= 0) {
      out.appendByte((byte) (x.or(b128).intValue() & 0xFF));
      x = x.subtract(b128).shiftRight(7);
    }
    out.appendByte((byte) x.intValue());
    return out.getBytes();
  }

  /** The decoder of spop-spec.md 2.1, in exact arithmetic (no overflow). */
  static BigInteger referenceDecode(byte[] b) {
    BigInteger v = BigInteger.valueOf(b[0] & 0xFF);
    if ((b[0] & 0xFF) < 240) {
      return v;
    }
    int shift = 4;
    int i = 1;
    int x;
    do {
      x = b[i++] & 0xFF;
      v = v.add(BigInteger.valueOf(x).shiftLeft(shift));
      shift += 7;
    } while (x >= 128);
    return v;
  }

  @Test
  void referenceEncoderMatchesSpecTable() {
    // guards the oracle itself
    assertArrayEquals(Hex.bytes("f8 2f"), referenceEncode(1000));
    assertArrayEquals(Hex.bytes("ff f0 fe fe fe fe fe fe fe 0e"), referenceEncode(-1L));
  }
}
