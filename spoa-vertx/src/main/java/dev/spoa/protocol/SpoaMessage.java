package dev.spoa.protocol;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * One message of a NOTIFY frame: a {@code spoe-message} section's name and its arguments in the
 * configured order. Immutable.
 */
public record SpoaMessage(String name, List<Arg> args) {

  public SpoaMessage {
    if (name == null) {
      throw new NullPointerException("name");
    }
    if (args.size() > 255) {
      throw new IllegalArgumentException("a message carries at most 255 arguments");
    }
    args = List.copyOf(args);
  }

  public static SpoaMessage of(String name, Arg... args) {
    return new SpoaMessage(name, List.of(args));
  }

  /** The first argument with this name; fails when there is none. */
  public Arg arg(String argName) {
    Arg a = argOrNull(argName);
    if (a == null) {
      throw new NoSuchElementException("message " + name + " has no argument " + argName);
    }
    return a;
  }

  /** The first argument with this name, or {@code null}. */
  public Arg argOrNull(String argName) {
    for (int i = 0; i < args.size(); i++) {
      Arg a = args.get(i);
      if (a.name().equals(argName)) {
        return a;
      }
    }
    return null;
  }

  /** The argument at this position (0-based), named or not. */
  public Arg arg(int index) {
    return args.get(index);
  }
}
