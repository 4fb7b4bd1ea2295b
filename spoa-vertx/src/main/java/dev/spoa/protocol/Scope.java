package dev.spoa.protocol;

/** The scope of a HAProxy variable set or unset by an ACK action. */
public enum Scope {
  /** {@code proc.}: needs {@code register-var-names} or {@code option force-set-var} in HAProxy. */
  PROC,
  /** {@code sess.}: the client session. */
  SESS,
  /** {@code txn.}: the HTTP transaction. */
  TXN,
  /** {@code req.}: the request channel. */
  REQ,
  /** {@code res.}: the response channel. */
  RES;

  private static final Scope[] VALUES = values();

  public int code() {
    return ordinal();
  }

  /** The name HAProxy uses in variable names: {@code proc}, {@code sess}, ... */
  public String prefix() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The scope for a code, or {@code null} above 4. */
  public static Scope fromCode(int code) {
    return code >= 0 && code < VALUES.length ? VALUES[code] : null;
  }
}
