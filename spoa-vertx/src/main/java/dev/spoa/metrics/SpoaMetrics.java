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

  /** A fragmented NOTIFY was not complete within {@code reassemblyTimeout}: its connection ended. */
  default void reassemblyTimedOut() {
  }

  /** A fragment would have gone past {@code maxReassemblyBytes}: its connection ended. */
  default void reassemblyRefused() {
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

  /** A complete NOTIFY was read (after reassembly, if fragmented). */
  default void notifyReceived() {
  }

  /**
   * The answer to a NOTIFY is ready, {@code nanos} after it was read: every NOTIFY received is
   * completed once, whether its ACK can still be sent or its connection is gone.
   */
  default void notifyCompleted(long nanos) {
  }

  /**
   * An ACK was written to the socket, {@code nanos} after its NOTIFY was read: the agent's whole
   * share of what HAProxy waits for (queueing, dispatch, handler, encoding, batching and the write).
   * ACKs of NOTIFYs read on another connection (async) are not reported.
   */
  default void ackWritten(long nanos) {
  }

  /** An ACK went out: {@code bytes} on the wire (all its fragments). */
  default void ackSent(int bytes) {
  }

  /** A handler of {@code messageName} answered in time, {@code nanos} after it was asked. */
  default void messageHandled(String messageName, long nanos) {
  }

  /** A message had no answer after {@code hedgeAfter} and was sent to a second handler. */
  default void messageHedged(String messageName) {
  }

  /** A message of a NOTIFY contributed no actions. */
  default void fallback(String messageName, FallbackReason reason) {
  }

  /** An ACK was larger than the negotiated frame size: {@code dropped} actions were left out. */
  default void ackTrimmed(int dropped) {
  }
}
