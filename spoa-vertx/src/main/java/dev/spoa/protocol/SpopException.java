package dev.spoa.protocol;

/**
 * A protocol error: bad input from the peer, carrying the status to send in the DISCONNECT frame.
 * It has no stack trace: it reports expected bad input, not a bug, and is cheap to throw.
 */
public final class SpopException extends RuntimeException {

  private final SpopStatus status;

  public SpopException(SpopStatus status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }

  public SpopStatus status() {
    return status;
  }

  @Override
  public String toString() {
    return "SpopException[" + status.code() + " " + status.message() + "]: " + getMessage();
  }
}
