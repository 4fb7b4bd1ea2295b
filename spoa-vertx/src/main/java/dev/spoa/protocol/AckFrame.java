package dev.spoa.protocol;

import java.util.List;

/** An ACK: the actions answering the NOTIFY with the same stream-id and frame-id (may be empty). */
public record AckFrame(int flags, long streamId, long frameId, List<Action> actions) implements Frame {

  public AckFrame {
    actions = List.copyOf(actions);
  }

  public static AckFrame of(long streamId, long frameId, List<Action> actions) {
    return new AckFrame(FLAG_FIN, streamId, frameId, actions);
  }

  @Override
  public FrameType type() {
    return FrameType.ACK;
  }
}
