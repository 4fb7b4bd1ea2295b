package dev.spoa.metrics;

/** Why a message contributed no actions to its ACK. */
public enum FallbackReason {
  /** No handler is registered for the message name, anywhere on the event bus. */
  NO_HANDLER,
  /** The handler did not answer within the deadline. */
  TIMEOUT,
  /** The handler threw or failed its future. */
  HANDLER_FAILURE,
  /** Any other failure (e.g. an unexpected reply type or a codec error). */
  ERROR
}
