package dev.spoa.protocol;

import java.net.InetAddress;

/**
 * One argument of a message: its name (empty for {@code args src} without a name) and its value.
 * The accessors read the value; see {@link TypedValue}.
 */
public record Arg(String name, TypedValue value) {

  public Arg {
    if (name == null || value == null) {
      throw new NullPointerException("name and value are required");
    }
  }

  public static Arg of(String name, TypedValue value) {
    return new Arg(name, value);
  }

  public DataType type() {
    return value.type();
  }

  public boolean isNull() {
    return value.isNull();
  }

  public boolean asBoolean() {
    return value.asBoolean();
  }

  public long asLong() {
    return value.asLong();
  }

  public int asInt() {
    return value.asInt();
  }

  public String asString() {
    return value.asString();
  }

  public byte[] asBytes() {
    return value.asBytes();
  }

  public InetAddress asInetAddress() {
    return value.asInetAddress();
  }

  public int asIpv4() {
    return value.asIpv4();
  }
}
