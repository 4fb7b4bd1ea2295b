package dev.spoa.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * A part of a fragmented frame, kept as raw payload: a NOTIFY without FIN (the first fragment) or
 * an UNSET frame (a continuation, or with ABORT the end of an abandoned frame).
 */
public record FragmentFrame(FrameType type, int flags, long streamId, long frameId, Buffer payload)
  implements Frame {
}
