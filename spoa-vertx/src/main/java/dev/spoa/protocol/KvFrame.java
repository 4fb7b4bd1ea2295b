package dev.spoa.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A HELLO or DISCONNECT frame (from HAProxy or from the agent): a list of key/value entries.
 * HELLO and DISCONNECT frames carry stream-id and frame-id 0.
 */
public record KvFrame(FrameType type, int flags, long streamId, long frameId, Map<String, TypedValue> entries)
  implements Frame {

  public KvFrame {
    if (type != FrameType.HAPROXY_HELLO && type != FrameType.HAPROXY_DISCONNECT
      && type != FrameType.AGENT_HELLO && type != FrameType.AGENT_DISCONNECT) {
      throw new IllegalArgumentException("not a KV-list frame type: " + type);
    }
    entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries)); // keeps the wire order
  }

  /** A FIN frame with ids 0/0, as HELLO and DISCONNECT frames always are. */
  public static KvFrame of(FrameType type, Map<String, TypedValue> entries) {
    return new KvFrame(type, FLAG_FIN, 0, 0, entries);
  }

  /** The entry, or {@code null}. */
  public TypedValue get(String key) {
    return entries.get(key);
  }
}
