package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * Names (of messages, arguments, KV keys and variables) repeat in every frame: this table returns
 * the String already decoded for the same bytes instead of decoding a new one each time. Bounded
 * whatever the input: a fixed number of slots, each holding the last short ASCII name that hashed
 * to it. Shared by all event loops without locks: a slot holds an immutable String, so a racy read
 * sees either name, and a wrong one is rejected by the comparison.
 */
final class NameTable {

  private static final int SLOTS = 1024;
  private static final int MAX_LENGTH = 64;
  private static final String[] TABLE = new String[SLOTS];

  private NameTable() {
  }

  /** The name held in {@code buf[from, from + length)}. */
  static String get(Buffer buf, int from, int length) {
    if (length > MAX_LENGTH) {
      return buf.getString(from, from + length);
    }
    int hash = 0;
    for (int i = 0; i < length; i++) {
      byte b = buf.getByte(from + i);
      if (b < 0) {
        return buf.getString(from, from + length); // not ASCII: decoded as UTF-8, not cached
      }
      hash = 31 * hash + b; // String.hashCode of an ASCII string
    }
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    String cached = TABLE[slot];
    if (cached != null && cached.hashCode() == hash && sameAscii(cached, buf, from, length)) {
      return cached;
    }
    String decoded = buf.getString(from, from + length);
    TABLE[slot] = decoded;
    return decoded;
  }

  private static boolean sameAscii(String s, Buffer buf, int from, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) != buf.getByte(from + i)) {
        return false;
      }
    }
    return true;
  }
}
