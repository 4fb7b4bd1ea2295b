package dev.spoa.haproxy;

/** HAProxy time values: a number with an optional unit (us, ms, s, m, h, d; default ms). */
final class HaproxyTime {

  private HaproxyTime() {
  }

  /** Milliseconds, or -1 if {@code text} is not an HAProxy time. Microseconds round up. */
  static long parseMillis(String text) {
    if (text == null || text.isEmpty()) {
      return -1;
    }
    int i = 0;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 15) {
      return -1;
    }
    long n = Long.parseLong(text.substring(0, i));
    switch (text.substring(i)) {
      case "":
      case "ms":
        return n;
      case "us":
        return (n + 999) / 1000;
      case "s":
        return n * 1000;
      case "m":
        return n * 60_000;
      case "h":
        return n * 3_600_000;
      case "d":
        return n * 86_400_000;
      default:
        return -1;
    }
  }

  /** The shortest exact HAProxy spelling: {@code 3m}, {@code 2s}, {@code 500ms}. */
  static String format(long millis) {
    if (millis > 0 && millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis > 0 && millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis > 0 && millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
