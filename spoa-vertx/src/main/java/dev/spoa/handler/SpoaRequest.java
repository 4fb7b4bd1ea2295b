package dev.spoa.handler;

import dev.spoa.protocol.Arg;
import dev.spoa.protocol.SpoaMessage;

/**
 * What a handler receives: one message of a NOTIFY and where it came from. Immutable, so the event
 * bus hands the same instance to a local handler without copying it.
 *
 * @param engineId the HAProxy SPOE engine that sent it ({@code ""} when HAProxy sent none)
 * @param streamId the NOTIFY's stream-id (opaque: HAProxy 2.6 and 3.x number them differently)
 * @param frameId  the NOTIFY's frame-id
 * @param message  the message and its arguments
 */
public record SpoaRequest(String engineId, long streamId, long frameId, SpoaMessage message) {

  public SpoaRequest {
    if (engineId == null) {
      engineId = "";
    }
    if (message == null) {
      throw new NullPointerException("message");
    }
  }

  /** The message name, i.e. the {@code spoe-message} section. */
  public String messageName() {
    return message.name();
  }

  /** The first argument with this name; fails with {@link java.util.NoSuchElementException} when absent. */
  public Arg arg(String name) {
    return message.arg(name);
  }

  /** The first argument with this name, or {@code null} when the message has none (an optional argument). */
  public Arg argOrNull(String name) {
    return message.argOrNull(name);
  }

  /** The argument at this position (0-based). */
  public Arg arg(int index) {
    return message.arg(index);
  }
}
