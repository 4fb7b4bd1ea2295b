package dev.spoa.protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One SPOP typed value: an argument of a message, a HELLO/DISCONNECT entry or the value of a
 * SET-VAR action. Immutable, so one instance can be shared between threads and event-bus consumers.
 *
 * <p>Integers of the four integer types are held as the 64-bit pattern sent on the wire:
 * {@link #asLong()} gives it as a signed {@code long} (HAProxy sends every integer sample as INT64
 * two's complement), {@link #asUnsignedString()} as unsigned. STRING and BINARY keep the exact
 * bytes, so a value that is not valid UTF-8 survives a round trip.
 */
public final class TypedValue {

  public static final TypedValue NULL = new TypedValue(DataType.NULL, 0, null);
  public static final TypedValue TRUE = new TypedValue(DataType.BOOL, 1, null);
  public static final TypedValue FALSE = new TypedValue(DataType.BOOL, 0, null);
  private static final byte[] EMPTY = new byte[0];

  private final DataType type;
  private final long bits;
  private final byte[] bytes;

  private TypedValue(DataType type, long bits, byte[] bytes) {
    this.type = type;
    this.bits = bits;
    this.bytes = bytes;
  }

  public static TypedValue ofBoolean(boolean value) {
    return value ? TRUE : FALSE;
  }

  public static TypedValue ofInt32(int value) {
    return new TypedValue(DataType.INT32, value, null);
  }

  /** A UINT32; {@code value} must be in 0..2^32-1. */
  public static TypedValue ofUint32(long value) {
    if (value < 0 || value > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("UINT32 out of range: " + value);
    }
    return new TypedValue(DataType.UINT32, value, null);
  }

  public static TypedValue ofInt64(long value) {
    return new TypedValue(DataType.INT64, value, null);
  }

  /** A UINT64 given as its 64-bit pattern (values above 2^63-1 are negative {@code long}s). */
  public static TypedValue ofUint64(long value) {
    return new TypedValue(DataType.UINT64, value, null);
  }

  /** An integer of the given integer type, from its 64-bit wire pattern (no range checks). */
  public static TypedValue ofInteger(DataType type, long bits) {
    if (!type.isInteger()) {
      throw new IllegalArgumentException("not an integer type: " + type);
    }
    return new TypedValue(type, bits, null);
  }

  /** IPV4 from 4 bytes or IPV6 from 16 bytes (network order). */
  public static TypedValue ofAddress(byte[] address) {
    if (address.length == 4) {
      return new TypedValue(DataType.IPV4, 0, address.clone());
    }
    if (address.length == 16) {
      return new TypedValue(DataType.IPV6, 0, address.clone());
    }
    throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length);
  }

  public static TypedValue ofAddress(InetAddress address) {
    return ofAddress(address.getAddress());
  }

  /** A STRING, encoded as UTF-8. */
  public static TypedValue ofString(String value) {
    return new TypedValue(DataType.STRING, 0, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A STRING from raw bytes (copied). */
  public static TypedValue ofStringBytes(byte[] value) {
    return new TypedValue(DataType.STRING, 0, value.clone());
  }

  /** A BINARY (copied). */
  public static TypedValue ofBinary(byte[] value) {
    return new TypedValue(DataType.BINARY, 0, value.clone());
  }

  /** Wraps bytes the codec just read and owns alone; no copy. */
  static TypedValue wrap(DataType type, byte[] bytes) {
    return new TypedValue(type, 0, bytes.length == 0 ? EMPTY : bytes);
  }

  public DataType type() {
    return type;
  }

  public boolean isNull() {
    return type == DataType.NULL;
  }

  /** The boolean of a BOOL; for integers, whether they are not zero. */
  public boolean asBoolean() {
    if (type == DataType.BOOL || type.isInteger()) {
      return bits != 0;
    }
    throw wrongType("a boolean");
  }

  /** The value of any integer type as a signed 64-bit number (as HAProxy stores it). */
  public long asLong() {
    if (type.isInteger()) {
      return bits;
    }
    throw wrongType("an integer");
  }

  /** The value as an {@code int}; fails when it does not fit. */
  public int asInt() {
    long v = asLong();
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new ArithmeticException("integer " + v + " does not fit an int");
    }
    return (int) v;
  }

  /** Integers read as unsigned 64-bit, as text (for UINT64 values above 2^63-1). */
  public String asUnsignedString() {
    return Long.toUnsignedString(asLong());
  }

  /** The text of a STRING (or BINARY), decoded as UTF-8. */
  public String asString() {
    if (type == DataType.STRING || type == DataType.BINARY) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    throw wrongType("a string");
  }

  /** A copy of the bytes of a STRING, BINARY, IPV4 or IPV6. */
  public byte[] asBytes() {
    if (bytes == null) {
      throw wrongType("bytes");
    }
    return bytes.clone();
  }

  /**
   * An IPV4 address as a big-endian int (192.0.2.7 is {@code 0xC0000207}), without allocating: for
   * lookups in tables keyed by address.
   */
  public int asIpv4() {
    if (type != DataType.IPV4) {
      throw wrongType("an IPv4 address");
    }
    return (bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF);
  }

  /** The address of an IPV4 or IPV6. */
  public InetAddress asInetAddress() {
    if (type != DataType.IPV4 && type != DataType.IPV6) {
      throw wrongType("an address");
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // unreachable: the length is checked on creation
    }
  }

  /** Bytes length of STRING/BINARY/address values; for the codec, no copy. */
  int byteLength() {
    return bytes.length;
  }

  byte[] rawBytes() {
    return bytes;
  }

  long bits() {
    return bits;
  }

  private IllegalStateException wrongType(String wanted) {
    return new IllegalStateException("value of type " + type + " is not " + wanted);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TypedValue)) {
      return false;
    }
    TypedValue other = (TypedValue) o;
    return type == other.type && bits == other.bits && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, bits) * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    switch (type) {
      case NULL: return "NULL";
      case BOOL: return "BOOL(" + (bits != 0) + ")";
      case UINT64: return "UINT64(" + Long.toUnsignedString(bits) + ")";
      case INT32: case UINT32: case INT64: return type + "(" + bits + ")";
      case IPV4: case IPV6: return type + "(" + asInetAddress().getHostAddress() + ")";
      case STRING: return "STRING(\"" + asString() + "\")";
      default: return "BINARY(" + bytes.length + " bytes)";
    }
  }
}
