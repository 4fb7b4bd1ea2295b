package dev.spoa.protocol;

/** The ten SPOP typed-data types (the low 4 bits of the type byte). */
public enum DataType {
  NULL, BOOL, INT32, UINT32, INT64, UINT64, IPV4, IPV6, STRING, BINARY;

  private static final DataType[] VALUES = values();

  public int code() {
    return ordinal();
  }

  /** The type for a code, or {@code null} for the reserved codes 10 to 15. */
  public static DataType fromCode(int code) {
    return code >= 0 && code < VALUES.length ? VALUES[code] : null;
  }

  public boolean isInteger() {
    return this == INT32 || this == UINT32 || this == INT64 || this == UINT64;
  }
}
