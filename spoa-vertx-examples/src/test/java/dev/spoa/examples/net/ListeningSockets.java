package dev.spoa.examples.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The local addresses on which TCP sockets of this machine listen on a port, read from Linux's
 * {@code /proc/net/tcp} and {@code tcp6}: how a test proves that a listener is on loopback only.
 */
public final class ListeningSockets {

  private static final String LISTEN = "0A";
  private static final String V4_MAPPED = "0000:0000:0000:0000:0000:ffff:";

  private ListeningSockets() {
  }

  /**
   * E.g. {@code [127.0.0.1]} (IPv4-mapped IPv6 addresses are given as IPv4); {@code 0.0.0.0} or
   * {@code 0000:...:0000} mean every interface.
   */
  public static Set<String> addresses(int port) throws IOException {
    Set<String> found = new TreeSet<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      var lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        if (f[3].equals(LISTEN) && Integer.parseInt(local[1], 16) == port) {
          found.add(address(local[0]));
        }
      }
    }
    return found;
  }

  /** /proc's hex form: IPv4 as one little-endian word, IPv6 as four of them. */
  private static String address(String hex) {
    if (hex.length() == 8) {
      long v = Long.parseLong(hex, 16);
      return (v & 0xff) + "." + (v >> 8 & 0xff) + "." + (v >> 16 & 0xff) + "." + (v >> 24 & 0xff);
    }
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < 4; w++) {
      String word = hex.substring(w * 8, w * 8 + 8);
      for (int b = 3; b >= 0; b--) {
        sb.append(word, b * 2, b * 2 + 2);
        if (b % 2 == 0 && !(w == 3 && b == 0)) {
          sb.append(':');
        }
      }
    }
    String v6 = sb.toString().toLowerCase(Locale.ROOT);
    if (v6.startsWith(V4_MAPPED)) { // an IPv4 address on a dual-stack socket
      long v = Long.parseLong(v6.substring(V4_MAPPED.length()).replace(":", ""), 16);
      return (v >> 24 & 0xff) + "." + (v >> 16 & 0xff) + "." + (v >> 8 & 0xff) + "." + (v & 0xff);
    }
    return v6;
  }
}
