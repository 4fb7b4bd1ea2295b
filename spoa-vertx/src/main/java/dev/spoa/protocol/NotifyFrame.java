package dev.spoa.protocol;

import java.util.List;

/** A complete NOTIFY: the messages of one event or group, in the order HAProxy configured them. */
public record NotifyFrame(int flags, long streamId, long frameId, List<SpoaMessage> messages) implements Frame {

  public NotifyFrame {
    messages = List.copyOf(messages);
  }

  public static NotifyFrame of(long streamId, long frameId, SpoaMessage... messages) {
    return new NotifyFrame(FLAG_FIN, streamId, frameId, List.of(messages));
  }

  @Override
  public FrameType type() {
    return FrameType.NOTIFY;
  }
}
