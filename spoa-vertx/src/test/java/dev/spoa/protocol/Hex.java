package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Test helper: hex vectors written as in spop-spec.md, e.g. {@code 00000007 67 00000001 05 01} or
 * {@code 03"GET"}: hex digit pairs (spaces anywhere between pairs) and "quoted ascii" segments.
 */
public final class Hex {

  private Hex() {
  }

  public static byte[] bytes(String spec) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < spec.length()) {
      char c = spec.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '"') {
        int close = spec.indexOf('"', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("unclosed quote at " + i + " in " + spec);
        }
        out.writeBytes(spec.substring(i + 1, close).getBytes(StandardCharsets.US_ASCII));
        i = close + 1;
      } else {
        if (i + 1 >= spec.length()) {
          throw new IllegalArgumentException("odd hex digit at " + i + " in " + spec);
        }
        int hi = Character.digit(c, 16);
        int lo = Character.digit(spec.charAt(i + 1), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("bad hex at " + i + " in " + spec);
        }
        out.write(hi << 4 | lo);
        i += 2;
      }
    }
    return out.toByteArray();
  }

  static Buffer buffer(String spec) {
    return Buffer.buffer(bytes(spec));
  }

  /** Lowercase hex, one space between bytes: readable assertion messages. */
  static String of(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 3);
    for (int i = 0; i < b.length; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(Character.forDigit((b[i] >> 4) & 0xF, 16)).append(Character.forDigit(b[i] & 0xF, 16));
    }
    return sb.toString();
  }

  static String of(Buffer b) {
    return of(b.getBytes());
  }

  static String of(String spec) {
    return of(bytes(spec));
  }
}
