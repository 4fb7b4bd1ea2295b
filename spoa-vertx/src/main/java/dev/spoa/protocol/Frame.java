package dev.spoa.protocol;

/**
 * A decoded SPOP frame. Every frame has a type, flags (bit 0 FIN, bit 1 ABORT), a stream-id and a
 * frame-id; the records add the decoded payload.
 */
public sealed interface Frame permits KvFrame, NotifyFrame, AckFrame, FragmentFrame {

  /** Flag bit 0: the last (or only) fragment of a frame. */
  int FLAG_FIN = 0x01;
  /** Flag bit 1: the sender abandons a fragmented frame. */
  int FLAG_ABORT = 0x02;

  FrameType type();

  int flags();

  long streamId();

  long frameId();

  default boolean fin() {
    return (flags() & FLAG_FIN) != 0;
  }

  default boolean abort() {
    return (flags() & FLAG_ABORT) != 0;
  }
}
