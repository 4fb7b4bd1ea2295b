package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * A bounded cursor over a part of a buffer. Every read checks the remaining length first, so
 * truncated or lying input ends in a {@link SpopException} and never in a larger allocation than
 * the input itself.
 */
final class SpopReader {

  private final Buffer buf;
  private int pos;
  private final int end;

  SpopReader(Buffer buf, int pos, int end) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  int position() {
    return pos;
  }

  int remaining() {
    return end - pos;
  }

  boolean hasRemaining() {
    return pos < end;
  }

  private void require(int n, String what) {
    if (n > end - pos) {
      throw new SpopException(SpopStatus.INVALID_FRAME, "truncated " + what);
    }
  }

  int readU8(String what) {
    require(1, what);
    return buf.getUnsignedByte(pos++);
  }

  int readInt(String what) {
    require(4, what);
    int v = buf.getInt(pos);
    pos += 4;
    return v;
  }

  long readVarint() {
    require(1, "varint");
    long value = buf.getUnsignedByte(pos++);
    if (value < 240) {
      return value;
    }
    int shift = 4;
    int b;
    do {
      require(1, "varint");
      b = buf.getUnsignedByte(pos++);
      // Beyond 64 bits: the 10th byte may hold 4 bits at most, and there is no 11th.
      if (shift > 60 || (shift == 60 && b > 15)) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "varint exceeds 64 bits");
      }
      long next = value + ((long) b << shift);
      if (Long.compareUnsigned(next, value) < 0) {
        throw new SpopException(SpopStatus.INVALID_FRAME, "varint exceeds 64 bits");
      }
      value = next;
      shift += 7;
    } while (b >= 128);
    return value;
  }

  /** Reads a varint length and checks that that many bytes remain. */
  int readLength(String what) {
    long len = readVarint();
    if (Long.compareUnsigned(len, end - pos) > 0) {
      throw new SpopException(SpopStatus.INVALID_FRAME, what + " length " + Long.toUnsignedString(len)
        + " runs past the frame (" + (end - pos) + " bytes left)");
    }
    return (int) len;
  }

  /** A string that names something (message, argument, key, variable): repeated ones are shared. */
  String readName(String what) {
    int len = readLength(what);
    String s = len == 0 ? "" : NameTable.get(buf, pos, len);
    pos += len;
    return s;
  }

  byte[] readBytes(int len, String what) {
    require(len, what);
    byte[] b = buf.getBytes(pos, pos + len);
    pos += len;
    return b;
  }

  byte[] readLengthPrefixed(String what) {
    return readBytes(readLength(what), what);
  }

  Buffer slice(int from, int to) {
    return buf.getBuffer(from, to);
  }
}
