package dev.spoa.metrics;

import dev.spoa.protocol.FrameType;

/**
 * What the server reports about its work. Every method has an empty default, so an implementation
 * overrides only what it records. Calls come from event-loop threads and must not block.
 */
public interface SpoaMetrics {

  /** Records nothing. */
  SpoaMetrics NOOP = new SpoaMetrics() {
  };

  default void connectionOpened() {
  }

  default void connectionClosed() {
  }

  /** A connection was refused at once because {@code maxConnections} were open. */
  default void connectionRefused() {
  }

  /** A fragmented NOTIFY was rebuilt from {@code fragments} frames. */
  default void notifyReassembled(int fragments) {
  }

  /** HAProxy abandoned a fragmented NOTIFY (ABORT). */
  default void notifyAborted() {
  }

  default void frameReceived(FrameType type) {
  }

  default void frameSent(FrameType type) {
  }

  /** A health-check HELLO was answered. */
  default void healthCheck() {
  }

  default void disconnectReceived(int statusCode) {
  }

  default void disconnectSent(int statusCode) {
  }

  /** A NOTIFY was answered, {@code nanos} after it was read. */
  default void notifyCompleted(long nanos) {
  }

  /** A message of a NOTIFY contributed no actions. */
  default void fallback(String messageName, FallbackReason reason) {
  }

  /** An ACK was larger than the negotiated frame size: {@code dropped} actions were left out. */
  default void ackTrimmed(int dropped) {
  }
}
