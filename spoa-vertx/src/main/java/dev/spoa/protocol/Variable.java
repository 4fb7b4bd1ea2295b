package dev.spoa.protocol;

import java.util.Objects;

/**
 * A HAProxy variable as the agent names it: a scope and the agent's part of the name (HAProxy adds
 * the SPOE var-prefix between them). Written {@code "<scope>.<name>"}, e.g. {@code "txn.spoa_error"}.
 */
public record Variable(Scope scope, String name) {

  public Variable {
    Objects.requireNonNull(scope, "scope");
    if (!Action.isValidName(name)) {
      throw new IllegalArgumentException("invalid variable name '" + name + "': use [A-Za-z0-9_.]");
    }
  }

  /** Parses {@code "<scope>.<name>"} with scope one of proc, sess, txn, req, res. */
  public static Variable parse(String text) {
    int dot = text == null ? -1 : text.indexOf('.');
    if (dot <= 0) {
      throw new IllegalArgumentException("expected <scope>.<name> (scope: proc, sess, txn, req or res), got '" + text + "'");
    }
    String scope = text.substring(0, dot);
    for (Scope s : Scope.values()) {
      if (s.prefix().equals(scope)) {
        return new Variable(s, text.substring(dot + 1));
      }
    }
    throw new IllegalArgumentException("unknown scope '" + scope + "' in '" + text + "': use proc, sess, txn, req or res");
  }

  public Action set(TypedValue value) {
    return Action.setVar(scope, name, value);
  }

  public Action set(long value) {
    return Action.setVar(scope, name, value);
  }

  @Override
  public String toString() {
    return scope.prefix() + "." + name;
  }
}
