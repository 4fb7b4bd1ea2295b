package dev.spoa.handler;

import dev.spoa.protocol.Action;

import java.util.List;

/** A handler's answer to one message: the actions to put into the ACK, in order. Immutable. */
public record SpoaReply(List<Action> actions) {

  public static final SpoaReply EMPTY = new SpoaReply(List.of());

  public SpoaReply {
    actions = List.copyOf(actions);
  }

  public static SpoaReply of(Action... actions) {
    return new SpoaReply(List.of(actions));
  }
}
