package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.AgentProcess;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.IpScores;
import dev.spoa.examples.haproxy.UnpreventableSpoeTimeouts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rolling restarts under load, as operators do them: two agent processes (the packaged jar, default
 * configuration) in one SPOE backend with {@code option spop-check}, about 750 HTTP requests a second
 * from keep-alive and {@code Connection: close} clients, and the agents stopped with SIGTERM and
 * started again in turn, five times. Every request must come back with the agent's verdict, on every
 * HAProxy version, with HAProxy's default check settings ({@code inter 2s fall 3 rise 2}) and with
 * fast ones. HAProxy 3.x keeps pooled idle connections and may open new ones until it has marked the
 * agent DOWN; the load keeps both happening throughout. The drain time each setting costs is printed
 * (docs/protocol.md#drain records it).
 */
class DrainUnderLoadIT {

  private static final int RESTARTS = 5;
  /** Requests per second offered: 4 keep-alive clients and 2 {@code Connection: close} ones. */
  private static final int KEEP_ALIVE_CLIENTS = 4;
  private static final int CLOSE_CLIENTS = 2;
  private static final int RATE_PER_CLIENT = 125;

  /** How long the check took that brought a restarted agent back: a cold agent is slow to answer. */
  private static final Pattern UP_CHECK = Pattern.compile("is UP, reason: Layer7 check passed, code: 0, check duration: (\\d+)ms");

  /**
   * HTTP/1.1: a default client first asks for an h2c upgrade, and one such scrape hung for 4 minutes
   * whatever the request timeout.
   */
  private static final HttpClient METRICS_CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();

  private static final Pattern SAFEPOINT = Pattern.compile(
    "Safepoint \"(\\w+)\".*Reaching safepoint: (\\d+) ns.*Total: (\\d+) ns");

  private final Process[] agents = new Process[2];
  private int[] agentPorts;
  private final int[] metricsPorts = new int[2];
  private final List<Long> slowestNotifies = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private HaproxyProcess haproxy;

  static Stream<Arguments> versionsAndChecks() {
    return HaproxyBinary.versions(v -> true).flatMap(v -> Stream.of(
      Arguments.of(v, "HAProxy's defaults", "check"),
      Arguments.of(v, "inter 500ms fall 3", "check inter 500ms fall 3 rise 2")));
  }

  /** Set by a test that got to its end: otherwise the agents' logs are printed before they go. */
  private boolean passed;

  @AfterEach
  void tearDown() throws Exception {
    if (!passed) {
      for (Path log : logs) {
        List<String> lines = read(log).lines().toList();
        System.out.println("---- " + log.getFileName() + " (last lines)");
        lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(System.out::println);
      }
    }
    for (Process p : agents) {
      if (p != null && p.isAlive()) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (haproxy != null) {
      haproxy.close();
    }
    for (Path log : logs) {
      Files.deleteIfExists(log);
      Files.deleteIfExists(Path.of(log + ".safepoints"));
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("versionsAndChecks")
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void rollingRestartsUnderLoadLoseNoRequest(HaproxyBinary version, String checks, String checkLine) throws Exception {
    int web = HaproxyProcess.freePort();
    int[] ports = {HaproxyProcess.freePort(), HaproxyProcess.freePort()};
    agentPorts = ports;
    for (int i = 0; i < 2; i++) {
      agents[i] = startAgent(ports[i]);
    }
    String cfg = HaproxyProcess.iprepLoadConfig(version, web, List.of(),
      "server agent1 127.0.0.1:" + ports[0] + " " + checkLine,
      "server agent2 127.0.0.1:" + ports[1] + " " + checkLine);
    // SPOE logs each failed event with its timings (request/queue/waiting/response/processing ms):
    // whether a NOTIFY waited for a connection or for the agent
    cfg = cfg.replaceFirst("global\n", "global\n    log stdout format raw local0 info\n");
    String spoe = Files.readString(HaproxyProcess.confDir().resolve("spoe-iprep.conf"))
      .replace("spoe-agent iprep-agent\n", "spoe-agent iprep-agent\n    option dontlog-normal\n");
    haproxy = HaproxyProcess.start(version, cfg, web, "spoe-iprep.conf", spoe);
    for (int i = 0; i < 2; i++) {
      assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent" + (i + 1), "UP", "L7OK", Duration.ofSeconds(20)));
    }

    Load load = new Load(web);
    List<Long> drainMillis = new ArrayList<>();
    long loadStart = System.nanoTime();
    try {
      load.awaitAnswers(200, Duration.ofSeconds(10));
      for (int r = 0; r < RESTARTS; r++) {
        int i = r % 2;
        slowestNotifies.add(slowestNotifyMillis(metricsPorts[i]));
        long sigterm = System.nanoTime();
        load.phase = "while agent" + (i + 1) + " drains";
        agents[i].destroy(); // SIGTERM: the drain
        assertTrue(agents[i].waitFor(60, TimeUnit.SECONDS), "agent " + (i + 1) + " exits after its drain");
        drainMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm));
        load.phase = "while agent" + (i + 1) + " starts";
        agents[i] = startAgent(ports[i]);
        assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent" + (i + 1), "UP", "L7OK",
          Duration.ofSeconds(30)));
        load.phase = "with agent" + (i + 1) + " back";
        // the restarted agent takes traffic before its peer goes
        load.awaitAnswers(200, Duration.ofSeconds(10));
      }
    } finally {
      load.stop();
    }
    double seconds = (System.nanoTime() - loadStart) / 1e9;
    List<Long> sorted = drainMillis.stream().sorted().toList();
    String summary = String.format(Locale.ROOT, "drain under load: %s, %s: %d restarts, %d requests (%.0f/s), %d failed %s,"
        + " drain seconds min %.1f median %.1f max %.1f, checks that marked an agent UP took %s ms,"
        + " slowest NOTIFY in the agent before each SIGTERM %s ms, longest JVM pause per agent run %s ms",
      version, checks, drainMillis.size(), load.answered.get(), load.answered.get() / seconds, load.failed(),
      load.failures, sorted.get(0) / 1e3, sorted.get(sorted.size() / 2) / 1e3, sorted.get(sorted.size() - 1) / 1e3,
      UP_CHECK.matcher(haproxy.log()).results().map(m -> m.group(1)).toList(), slowestNotifies, longestPauses());
    System.out.println(summary);
    assertEquals(RESTARTS, drainMillis.size());
    assertTrue(load.answered.get() / seconds >= 500, "at least 500 requests a second: " + load.answered.get() / seconds);
    // Two causes of timeouts no agent can prevent are counted apart, bounded, and printed; every
    // other failure fails the test.
    UnpreventableSpoeTimeouts unpreventable = UnpreventableSpoeTimeouts.find(List.of(haproxy),
      HaproxyProcess.spoeProcessingTimeout(spoe), UnpreventableSpoeTimeouts.timeouts(load.failures));
    System.out.println("  of which " + unpreventable);
    unpreventable.assertBounded(() -> summary + "\n" + haproxy.log());
    assertEquals(0, load.failed() - unpreventable.total(), () -> "requests without the agent's verdict: " + load.failures
      + "\n" + summary + "\n" + haproxy.log() + "\nagent warnings:\n" + agentWarnings());
    passed = true;
  }

  /** The agent's own slowest NOTIFY so far (read to ACK ready), from its Prometheus endpoint; -1 if unknown. */
  private static long slowestNotifyMillis(int metricsPort) {
    try {
      HttpResponse<String> r = METRICS_CLIENT.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
      return r.body().lines().filter(l -> l.startsWith("spoa_notify_duration_seconds_max"))
        .mapToLong(l -> Math.round(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) * 1000)).max().orElse(-1);
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * The longest stop of each agent's threads, from its -Xlog:safepoint file: milliseconds, what
   * stopped them, and how much of it went to reaching the safepoint (threads without a CPU).
   */
  private List<String> longestPauses() {
    List<String> pauses = new ArrayList<>();
    for (Path log : logs) {
      pauses.add(SAFEPOINT.matcher(read(Path.of(log + ".safepoints"))).results()
        .max(java.util.Comparator.comparingLong(m -> Long.parseLong(m.group(3))))
        .map(m -> Long.parseLong(m.group(3)) / 1_000_000 + " (" + m.group(1) + ", reaching "
          + Long.parseLong(m.group(2)) / 1_000_000 + ")")
        .orElse("none"));
    }
    return pauses;
  }

  private Process startAgent(int port) throws Exception {
    Path jar = Path.of("target", "ip-reputation-agent.jar").toAbsolutePath();
    Path log = Files.createTempFile("agent-" + port + "-", ".log");
    logs.add(log);
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      AgentProcess.jvmOptions(), "-Xlog:safepoint:file=" + log + ".safepoints", "-jar", jar.toString())
      .redirectErrorStream(true).redirectOutput(log.toFile());
    // Default configuration; only the ports differ, as for two agents on one host.
    int metricsPort = HaproxyProcess.freePort();
    metricsPorts[port == agentPorts[0] ? 0 : 1] = metricsPort;
    pb.environment().put("SPOA_PORT", String.valueOf(port));
    pb.environment().put("SPOA_METRICS_PORT", String.valueOf(metricsPort));
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!portOpen(port)) {
      assertTrue(p.isAlive() && System.nanoTime() < deadline, () -> "agent did not start: " + read(log));
      Thread.sleep(50);
    }
    return p;
  }

  /** The WARN and ERROR lines of every agent run, to tell a late handler from a stalled process. */
  private String agentWarnings() {
    StringBuilder sb = new StringBuilder();
    for (Path log : logs) {
      sb.append(log.getFileName()).append('\n');
      read(log).lines().filter(l -> l.contains("WARN") || l.contains("ERROR")).limit(20)
        .forEach(l -> sb.append("  ").append(l).append('\n'));
    }
    return sb.toString();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static boolean portOpen(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Paced clients until {@link #stop()}: keep-alive ones through HttpClient, others on a new socket each. */
  private static final class Load {
    final AtomicInteger answered = new AtomicInteger();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** What the restarts are doing, recorded with each failure. */
    volatile String phase = "before the restarts";
    private final List<Thread> clients = new ArrayList<>();

    Load(int web) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
        .timeout(Duration.ofSeconds(5)).build();
      for (int t = 0; t < KEEP_ALIVE_CLIENTS + CLOSE_CLIENTS; t++) {
        boolean keepAlive = t < KEEP_ALIVE_CLIENTS;
        Thread th = new Thread(() -> {
          long interval = TimeUnit.SECONDS.toNanos(1) / RATE_PER_CLIENT;
          long next = System.nanoTime();
          while (running.get()) {
            record(keepAlive ? keepAlive(http, request) : withClose(web));
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            } else {
              next = System.nanoTime(); // behind: no burst to catch up
            }
          }
        }, (keepAlive ? "keep-alive-" : "close-") + t);
        th.start();
        clients.add(th);
      }
    }

    /** Null when the response carries the verdict, else what went wrong. */
    private static String keepAlive(HttpClient http, HttpRequest request) {
      try {
        return IpScores.failure(http.send(request, HttpResponse.BodyHandlers.ofString()));
      } catch (IOException e) {
        return e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }

    private static String withClose(int web) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", web), 5000);
        s.setSoTimeout(5000);
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        if (!response.startsWith("http/1.1 200")) {
          return "http " + (response.length() >= 12 ? response.substring(9, 12) : "(none)");
        }
        int e = response.indexOf("\r\nspoe_error: ");
        if (e >= 0) {
          return "spoe error " + response.substring(e + 14, response.indexOf('\r', e + 14));
        }
        return response.contains("\r\nip_score:") ? null : "spoe error ?";
      } catch (IOException e) {
        return e.getClass().getSimpleName();
      }
    }

    private void record(String failure) {
      if (failure == null) {
        answered.incrementAndGet();
      } else {
        failures.computeIfAbsent(failure + " " + phase, k -> new AtomicInteger()).incrementAndGet();
      }
    }

    int failed() {
      return failures.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Waits until {@code n} more requests got their verdict. */
    void awaitAnswers(int n, Duration timeout) throws InterruptedException {
      int target = answered.get() + n;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (answered.get() < target) {
        assertTrue(System.nanoTime() < deadline, "load stalled: " + answered.get() + " answered, " + failures);
        Thread.sleep(20);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread th : clients) {
        th.join(10_000);
      }
    }
  }
}
