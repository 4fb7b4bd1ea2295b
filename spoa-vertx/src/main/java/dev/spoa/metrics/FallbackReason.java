package dev.spoa.metrics;

/**
 * Why a message contributed no actions to its ACK. The code is the value of the optional fallback
 * variable ({@code SpoaServerOptions.setFallbackVariable}).
 */
public enum FallbackReason {
  /** The handler did not answer within the deadline. */
  TIMEOUT(1),
  /** The handler threw or failed its future. */
  HANDLER_FAILURE(2),
  /** No handler is registered for the message name, anywhere on the event bus. */
  NO_HANDLER(3),
  /** Any other failure (e.g. an unexpected reply type or a codec error). */
  ERROR(4),
  /** The global in-flight cap was reached: answered at once, the handler was not asked. */
  OVERLOAD(5);

  private final int code;

  FallbackReason(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
