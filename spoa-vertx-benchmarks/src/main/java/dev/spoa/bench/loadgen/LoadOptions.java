package dev.spoa.bench.loadgen;

import java.util.List;

/** Command-line options of {@link SpopLoadGenerator}. */
public record LoadOptions(String host, int port, int connections, int depth, boolean haproxy3x, boolean largeMessage,
                   long ratePerSecond, long durationSeconds, long warmupSeconds, String expect) {

  static final String USAGE = String.join("\n",
    "usage: java -jar spoa-benchmarks.jar [options]",
    "  --host H           agent address (127.0.0.1)",
    "  --port P           agent port (12345)",
    "  --connections N    SPOP connections (8)",
    "  --depth D          NOTIFYs in flight per connection, pipelining depth (20)",
    "  --personality V    2.6 or 3.x: ids and capabilities as that HAProxy (2.6)",
    "  --message M        small (check-client-ip, ip only) or large (+ ~1.5 KB of headers as binary) (small)",
    "  --rate R           NOTIFYs per second in total, open loop; 0: as fast as ACKs come back (0)",
    "  --duration S       measured seconds (20)",
    "  --warmup S         seconds before measuring (5)",
    "  --expect E         ip_score=20 (check each ACK sets it) or none (20 by default)");

  public static LoadOptions parse(List<String> args) {
    String host = "127.0.0.1";
    int port = 12345;
    int connections = 8;
    int depth = 20;
    boolean v3 = false;
    boolean large = false;
    long rate = 0;
    long duration = 20;
    long warmup = 5;
    String expect = "ip_score=20";
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        throw new IllegalArgumentException(USAGE);
      }
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException("missing value after " + a + "\n" + USAGE);
      }
      String v = args.get(++i);
      switch (a) {
        case "--host" -> host = v;
        case "--port" -> port = Integer.parseInt(v);
        case "--connections" -> connections = Integer.parseInt(v);
        case "--depth" -> depth = Integer.parseInt(v);
        case "--personality" -> v3 = v.startsWith("3");
        case "--message" -> large = v.equals("large");
        case "--rate" -> rate = Long.parseLong(v);
        case "--duration" -> duration = Long.parseLong(v);
        case "--warmup" -> warmup = Long.parseLong(v);
        case "--expect" -> expect = v;
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (connections < 1 || depth < 1 || duration < 1 || warmup < 0 || rate < 0) {
      throw new IllegalArgumentException("connections, depth and duration must be positive\n" + USAGE);
    }
    return new LoadOptions(host, port, connections, depth, v3, large, rate, duration, warmup, expect);
  }
}
