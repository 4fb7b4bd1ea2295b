package dev.spoa.protocol;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One action of an ACK: set or unset a HAProxy variable. HAProxy names the variable
 * {@code <scope>.<var-prefix>.<name>}; the name must match {@code [A-Za-z0-9_.]+} or HAProxy drops
 * it silently, so the factories reject other names at once.
 */
public final class Action {

  /** The action types on the wire. */
  public enum Type {
    SET_VAR(1, 3), UNSET_VAR(2, 2);

    private final int code;
    private final int nbArgs;

    Type(int code, int nbArgs) {
      this.code = code;
      this.nbArgs = nbArgs;
    }

    public int code() {
      return code;
    }

    /** The NB-ARGS byte HAProxy requires for this type. */
    public int nbArgs() {
      return nbArgs;
    }
  }

  /** HAProxy keeps at most 63 characters of a whole variable name. */
  public static final int MAX_NAME_LENGTH = 63;

  private final Type type;
  private final Scope scope;
  private final String name;
  private final TypedValue value;

  private Action(Type type, Scope scope, String name, TypedValue value) {
    this.type = type;
    this.scope = scope;
    this.name = name;
    this.value = value;
  }

  public static Action setVar(Scope scope, String name, TypedValue value) {
    Objects.requireNonNull(value, "value");
    return new Action(Type.SET_VAR, Objects.requireNonNull(scope, "scope"), checkName(name), value);
  }

  public static Action setVar(Scope scope, String name, long value) {
    return setVar(scope, name, TypedValue.ofInt64(value));
  }

  public static Action setVar(Scope scope, String name, String value) {
    return setVar(scope, name, TypedValue.ofString(value));
  }

  public static Action setVar(Scope scope, String name, boolean value) {
    return setVar(scope, name, TypedValue.ofBoolean(value));
  }

  public static Action setVar(Scope scope, String name, byte[] value) {
    return setVar(scope, name, TypedValue.ofBinary(value));
  }

  public static Action setVar(Scope scope, String name, InetAddress value) {
    return setVar(scope, name, TypedValue.ofAddress(value));
  }

  public static Action unsetVar(Scope scope, String name) {
    return new Action(Type.UNSET_VAR, Objects.requireNonNull(scope, "scope"), checkName(name), null);
  }

  /** As decoded from an ACK: no name check, so a client can see exactly what an agent sent. */
  static Action decoded(Type type, Scope scope, String name, TypedValue value) {
    return new Action(type, scope, name, value);
  }

  /** Whether HAProxy accepts {@code name} as the agent's part of a variable name. */
  public static boolean isValidName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String checkName(String name) {
    if (!isValidName(name)) {
      throw new IllegalArgumentException("invalid variable name '" + name
        + "': HAProxy accepts 1 to " + MAX_NAME_LENGTH + " characters of [A-Za-z0-9_.]");
    }
    return name;
  }

  public Type type() {
    return type;
  }

  public Scope scope() {
    return scope;
  }

  public String name() {
    return name;
  }

  /** The value of a SET-VAR; {@code null} for an UNSET-VAR. */
  public TypedValue value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Action)) {
      return false;
    }
    Action a = (Action) o;
    return type == a.type && scope == a.scope && name.equals(a.name) && Objects.equals(value, a.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, scope, name, value);
  }

  @Override
  public String toString() {
    return type == Type.SET_VAR
      ? "set-var(" + scope.prefix() + "." + name + "=" + value + ")"
      : "unset-var(" + scope.prefix() + "." + name + ")";
  }
}
