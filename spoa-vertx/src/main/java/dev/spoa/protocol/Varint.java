package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * HAProxy's variable-length integer encoding of unsigned 64-bit values (as in its peers protocol):
 * values below 240 take one byte; larger ones set the high nibble of the first byte and continue
 * with 7-bit groups. Java {@code long}s are read as unsigned, so negative numbers take 10 bytes.
 */
public final class Varint {

  /** The longest encoding: 2^64-1 takes ten bytes. */
  public static final int MAX_BYTES = 10;

  private Varint() {
  }

  /** How many bytes {@link #append} writes for {@code value}. */
  public static int size(long value) {
    if (Long.compareUnsigned(value, 240) < 0) {
      return 1;
    }
    int n = 2;
    long rest = (value - 240) >>> 4;
    while (Long.compareUnsigned(rest, 128) >= 0) {
      rest = (rest - 128) >>> 7;
      n++;
    }
    return n;
  }

  /** Appends the encoding of {@code value} (read as unsigned) to {@code out}. */
  public static Buffer append(Buffer out, long value) {
    if (Long.compareUnsigned(value, 240) < 0) {
      return out.appendByte((byte) value);
    }
    out.appendByte((byte) (value | 0xF0));
    long rest = (value - 240) >>> 4;
    while (Long.compareUnsigned(rest, 128) >= 0) {
      out.appendByte((byte) (rest | 0x80));
      rest = (rest - 128) >>> 7;
    }
    return out.appendByte((byte) rest);
  }

  /** Encodes one value into a new byte array (for tests and tools). */
  public static byte[] encode(long value) {
    return append(Buffer.buffer(MAX_BYTES), value).getBytes();
  }

  /**
   * Decodes one varint from {@code in} at {@code pos}; bytes past {@code end} are not read.
   *
   * @return the value, read as unsigned
   * @throws SpopException (invalid frame) when the data ends early or the value exceeds 64 bits
   */
  public static long decode(Buffer in, int pos, int end) {
    return new SpopReader(in, pos, end).readVarint();
  }
}
