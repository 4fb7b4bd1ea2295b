package dev.spoa.haproxy;

/**
 * The HAProxy version families whose SPOE configuration differs: 2.6 to 3.0 (SPOE applet:
 * {@code mode tcp} backend, {@code timeout hello}/{@code idle} in effect) and 3.1 onwards (SPOP
 * multiplexer: {@code mode spop} backend, only {@code timeout processing} in effect).
 */
public enum HaproxyVersion {
  /** HAProxy 2.6, 2.7, 2.8, 2.9 and 3.0. */
  V2_6_TO_3_0,
  /** HAProxy 3.1 and later. */
  V3_1_PLUS;

  /**
   * The family of a version written {@code "<major>.<minor>"} (more parts, e.g. {@code "2.6.12"},
   * are ignored), or an enum constant's name.
   *
   * @throws IllegalArgumentException for versions before 2.6 or text that is no version
   */
  public static HaproxyVersion parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("expected an HAProxy version such as 2.6 or 3.1, got nothing");
    }
    for (HaproxyVersion v : values()) {
      if (v.name().equalsIgnoreCase(text)) {
        return v;
      }
    }
    String[] parts = text.trim().split("\\.");
    int major;
    int minor;
    try {
      major = Integer.parseInt(parts[0]);
      minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an HAProxy version such as 2.6 or 3.1, got '" + text + "'");
    }
    if (major < 2 || (major == 2 && minor < 6)) {
      throw new IllegalArgumentException("HAProxy " + text + " is not supported: use 2.6 or later");
    }
    return major == 2 || (major == 3 && minor == 0) ? V2_6_TO_3_0 : V3_1_PLUS;
  }

  /** Whether the SPOE {@code timeout hello} and {@code timeout idle} have an effect. */
  public boolean usesHelloAndIdleTimeouts() {
    return this == V2_6_TO_3_0;
  }

  /** The {@code mode} of the agents' backend: {@code tcp} before 3.1, {@code spop} since. */
  public String backendMode() {
    return this == V2_6_TO_3_0 ? "tcp" : "spop";
  }

  /** A human label: {@code "2.6-3.0"} or {@code "3.1+"}. */
  public String label() {
    return this == V2_6_TO_3_0 ? "2.6-3.0" : "3.1+";
  }
}
