package dev.spoa.haproxy;

import java.util.Locale;
import java.util.Objects;

/**
 * One problem {@link SpoeConfigValidator} found in an SPOE file: where (1-based line, 0 when it
 * concerns the whole file), how bad, which rule and what to do.
 */
public record SpoeFinding(Severity severity, Code code, int line, String message) {

  /** How bad a finding is. */
  public enum Severity {
    /** HAProxy rejects the file, or the agent's answers are lost, truncated or late. */
    ERROR,
    /** HAProxy accepts it, but something the agent serves or expects is not used as intended. */
    WARNING
  }

  /** The rules; {@link #id()} is the name printed by the CLI and listed in docs/haproxy-config.md. */
  public enum Code {
    /** Unreadable line: unterminated quote, directive outside a section, unknown keyword. */
    SYNTAX,
    /** The file has no {@code [engine]} scope for the agent's engine. */
    ENGINE_SCOPE_MISSING,
    /** No {@code spoe-agent} section in the scope, or more than one. */
    AGENT_MISSING,
    /** No {@code use-backend} in the agent. */
    BACKEND_MISSING,
    /** The file sends a message the agent has no handler for. */
    UNKNOWN_MESSAGE,
    /** The agent serves a message the file never sends. */
    MESSAGE_NOT_SENT,
    /** A message or group listed in the agent has no section. */
    UNDEFINED_MESSAGE,
    /** A message listed in {@code messages} has no {@code event}: HAProxy ignores it. */
    MESSAGE_WITHOUT_EVENT,
    /** The message's event differs from the spec's. */
    EVENT_MISMATCH,
    /** An argument the handler expects is not in the message's {@code args}. */
    MISSING_ARG,
    /** No {@code option var-prefix}, and the agent name is no valid prefix. */
    VAR_PREFIX_MISSING,
    /** {@code option var-prefix} has characters other than [A-Za-z0-9_.]. */
    VAR_PREFIX_INVALID,
    /** The file's prefix differs from the spec's: haproxy.cfg rules will look for other names. */
    VAR_PREFIX_MISMATCH,
    /** A variable name with characters other than [A-Za-z0-9_.]. */
    VARIABLE_NAME_INVALID,
    /** A variable whose full name exceeds 63 characters (2.6 truncates it silently). */
    VARIABLE_NAME_TRUNCATED,
    /** A proc-scope variable the agent sets, with neither {@code register-var-names} nor {@code option force-set-var}. */
    PROC_VARIABLE_NOT_REGISTERED,
    /** No {@code timeout processing}. */
    PROCESSING_TIMEOUT_MISSING,
    /** {@code timeout processing} not above the agent's deadline for a message. */
    PROCESSING_TIMEOUT_TOO_LOW,
    /** {@code timeout hello} or {@code timeout idle} missing (2.6-3.0). */
    TIMEOUT_MISSING,
    /** {@code timeout idle} not below the agent's connection idle timeout (2.6-3.0). */
    IDLE_TIMEOUT_TOO_HIGH;

    /** The printed name, e.g. {@code unknown-message}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  public SpoeFinding {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** {@code line 12: ERROR missing-arg: ...} */
  @Override
  public String toString() {
    return "line " + line + ": " + severity + " " + code.id() + ": " + message;
  }
}
