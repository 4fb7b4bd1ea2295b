package dev.spoa.config;

import java.util.List;

/**
 * A configuration mistake: the message names each bad key and the form it expects. No stack trace:
 * it is the user's input that is wrong, not the program.
 */
public final class SpoaConfigException extends RuntimeException {

  private final List<String> problems;

  public SpoaConfigException(List<String> problems) {
    super(problems.size() == 1 ? "configuration error: " + problems.get(0)
      : "configuration errors:\n  - " + String.join("\n  - ", problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
