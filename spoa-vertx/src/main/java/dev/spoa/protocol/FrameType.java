package dev.spoa.protocol;

/** SPOP frame types and their codes on the wire. */
public enum FrameType {
  /** A continuation fragment (HAProxy 2.6 to 3.0 only). */
  UNSET(0),
  HAPROXY_HELLO(1),
  HAPROXY_DISCONNECT(2),
  NOTIFY(3),
  AGENT_HELLO(101),
  AGENT_DISCONNECT(102),
  ACK(103);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type for a code, or {@code null} when the code is not an SPOP frame type. */
  public static FrameType fromCode(int code) {
    switch (code) {
      case 0: return UNSET;
      case 1: return HAPROXY_HELLO;
      case 2: return HAPROXY_DISCONNECT;
      case 3: return NOTIFY;
      case 101: return AGENT_HELLO;
      case 102: return AGENT_DISCONNECT;
      case 103: return ACK;
      default: return null;
    }
  }
}
