package dev.spoa.server.impl;

import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Frame;
import dev.spoa.protocol.FrameDecoder;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Async ACKs: with async agreed (HAProxy 2.6 offers it), HAProxy takes the ACK of a NOTIFY on any
 * connection of the same engine. An ACK whose connection closed before it could leave therefore
 * goes out on another live connection of that engine instead of being lost. One per Vert.x
 * instance ({@link AgentState}); connections join when their HELLO agrees async and leave at close.
 */
final class EngineAcks {

  private static final Logger LOG = LoggerFactory.getLogger(EngineAcks.class);

  private final Map<String, Set<SpoaConnection>> engines = new ConcurrentHashMap<>();

  void join(String engineId, SpoaConnection connection) {
    engines.computeIfAbsent(engineId, e -> ConcurrentHashMap.newKeySet()).add(connection);
  }

  void leave(String engineId, SpoaConnection connection) {
    engines.computeIfPresent(engineId, (e, set) -> {
      set.remove(connection);
      return set.isEmpty() ? null : set;
    });
  }

  /** Another live connection of the engine, or {@code null}. */
  SpoaConnection otherConnection(String engineId, SpoaConnection except) {
    Set<SpoaConnection> set = engines.get(engineId);
    if (set != null) {
      for (SpoaConnection c : set) {
        if (c != except && c.acceptsForeignAcks()) {
          return c;
        }
      }
    }
    return null;
  }

  /** Sends the ACK on another live connection of the engine, on that connection's context. */
  void reroute(String engineId, SpoaConnection from, long streamId, long frameId, List<Action> actions) {
    SpoaConnection other = otherConnection(engineId, from);
    if (other == null) {
      LOG.debug("no live connection of engine {} for the ACK of {}/{}", engineId, streamId, frameId);
      return;
    }
    other.context.runOnContext(v -> other.sendForeignAck(streamId, frameId, actions));
  }

  /**
   * The ACKs among encoded frames that could not leave on {@code from} (it closed before the end of
   * the turn, or their write failed), each encoded afresh for the connection that takes it. ACK
   * fragments cannot be resumed elsewhere: they are dropped.
   */
  void reroute(String engineId, SpoaConnection from, Buffer frames) {
    for (int at = 0; at + 4 <= frames.length(); ) {
      int length = frames.getInt(at);
      Frame frame = FrameDecoder.decode(frames, at + 4, at + 4 + length);
      at += 4 + length;
      if (frame instanceof AckFrame ack) {
        reroute(engineId, from, ack.streamId(), ack.frameId(), ack.actions());
      } else {
        LOG.debug("ACK fragment {}/{} not sent: its connection closed", frame.streamId(), frame.frameId());
      }
    }
  }
}
