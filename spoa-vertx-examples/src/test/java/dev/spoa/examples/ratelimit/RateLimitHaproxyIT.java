package dev.spoa.examples.ratelimit;

import dev.spoa.examples.haproxy.AgentProcess;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rate-limit example with a real redis-server and a real HAProxy: the limit holds across agent
 * JVMs because the count lives in Redis, and with Redis gone every request is still answered in
 * time, let through with the error variable, and the outage is logged once.
 */
class RateLimitHaproxyIT {

  private static final String MAIN = RateLimitAgent.class.getName();
  private final List<AgentProcess> agents = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private RedisServer redis;
  private Vertx vertx;

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AgentProcess a : agents) {
      a.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    redis.close();
  }

  /** One agent JVM on {@code port}, counting in the test's Redis with a limit of 5 per minute. */
  private AgentProcess agent(String name, int port) throws Exception {
    AgentProcess a = AgentProcess.startClass(name, Map.of("SPOA_METRICS_ENABLED", "false"), MAIN,
      List.of("--conf", HaproxyProcess.confDir().resolve("ratelimit.yaml").toString(), "--port", String.valueOf(port),
        "--ratelimit.redis=" + redis.url(), "--ratelimit.limit=5", "--ratelimit.window=60"));
    agents.add(a);
    a.awaitLog("rate-limit agent listening on 127.0.0.1:" + port, 60);
    return a;
  }

  /** conf/haproxy-ratelimit.cfg and conf/spoe-ratelimit.conf as shipped, on the test's ports. */
  private static HaproxyProcess haproxy(HaproxyBinary binary, int web, int agentPort) throws Exception {
    String cfg = Files.readString(HaproxyProcess.confDir().resolve("haproxy-ratelimit.cfg"))
      .replaceFirst("(?m)^global$", "global\n    stats socket @STATS_SOCKET@ mode 600 level admin")
      .replace("127.0.0.1:8001", "127.0.0.1:" + web)
      .replace("127.0.0.1:12346", "127.0.0.1:" + agentPort)
      .replace("config conf/spoe-ratelimit.conf", "config @DIR@/spoe-ratelimit.conf")
      .replace("    mode tcp\n", "    mode " + binary.backendMode() + "\n");
    assertTrue(cfg.contains("127.0.0.1:" + web) && cfg.contains("@DIR@/spoe-ratelimit.conf"), cfg);
    HaproxyProcess h = HaproxyProcess.start(binary, cfg, web, "spoe-ratelimit.conf",
      Files.readString(HaproxyProcess.confDir().resolve("spoe-ratelimit.conf")));
    assertEquals("UP/L7OK", h.awaitCheck("spoe-rl", "agent1", "UP", "L7OK", Duration.ofSeconds(15)), h.log());
    return h;
  }

  /**
   * One answer: the count it was given and whether it was limited, or none when the request went
   * through uncounted because Redis was slower than its 100 ms timeout (the fail-open path, which a
   * starved machine can take for a request or two).
   */
  private record Verdict(Long count, boolean limited, String node) {
    static Verdict uncounted(String node) {
      return new Verdict(null, false, node);
    }
  }

  /**
   * What the answers must show for a limit of 5 counted in one place: the counts they carry rise
   * strictly (whichever JVM or node gave them), an answer is limited exactly when its count is
   * over 5, and the limit was reached. An uncounted answer may stand between them (its INCR may
   * still have landed, so a count may be skipped), but most are counted.
   */
  private static void assertOneCount(List<Verdict> answers) {
    List<Verdict> counted = answers.stream().filter(v -> v.count() != null).toList();
    assertTrue(counted.size() * 2 >= answers.size(), () -> "most answers are counted: " + answers);
    for (int i = 0; i < counted.size(); i++) {
      Verdict v = counted.get(i);
      assertEquals(v.count() > 5, v.limited(), () -> "limited exactly past 5: " + answers);
      if (i > 0) {
        assertTrue(v.count() > counted.get(i - 1).count(), () -> "one count, rising: " + answers);
      }
    }
    assertTrue(counted.get(counted.size() - 1).limited(), () -> "the limit was reached: " + answers);
  }

  /** An ACK of the rate-limit message: its verdict and, when the handler sets it, its node's name. */
  private static Verdict verdict(AckFrame ack) {
    List<Action> a = ack.actions();
    String node = a.stream().filter(x -> x.name().equals("node")).map(x -> x.value().asString()).findFirst().orElse("");
    if (a.stream().anyMatch(x -> x.name().equals(RateLimitHandler.ERROR))) {
      return Verdict.uncounted(node);
    }
    return new Verdict(a.get(0).value().asLong(), a.get(1).value().asBoolean(), node);
  }

  /** Status, Rl-Count and Rl-Error of one request. */
  private String get(int web) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
      .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.headers().firstValue("Rl-Count").orElse("-") + " "
      + r.headers().firstValue("Rl-Error").orElse("-");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theSixthRequestOfAClientGets429(HaproxyBinary binary) throws Exception {
    int port = HaproxyProcess.freePort();
    int web = HaproxyProcess.freePort();
    agent("rl", port);
    try (HaproxyProcess haproxy = haproxy(binary, web, port)) {
      List<Verdict> answers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String answer = get(web); // "200 1 -", ..., "429 6 -", or "200 - redis-unavailable"
        String[] f = answer.split(" ");
        if (f[1].equals("-")) {
          assertEquals("200 - " + RateLimitHandler.REDIS_UNAVAILABLE, answer, "uncounted, let through");
          answers.add(Verdict.uncounted(""));
        } else {
          long count = Long.parseLong(f[1]);
          assertEquals(count > 5 ? "429" : "200", f[0], () -> "HAProxy denies past the limit: " + answer);
          answers.add(new Verdict(count, f[0].equals("429"), ""));
        }
      }
      assertOneCount(answers);
    }
  }

  @Test
  void twoAgentJvmsCountAgainstOneLimit() throws Exception {
    int[] ports = {HaproxyProcess.freePort(), HaproxyProcess.freePort()};
    agent("rl-1", ports[0]);
    agent("rl-2", ports[1]);
    vertx = Vertx.vertx();
    List<SpopTestClient> clients = new ArrayList<>();
    for (int port : ports) {
      SpopTestClient c = SpopTestClient.connect(vertx, port, "127.0.0.1").await();
      c.hello().await();
      clients.add(c);
    }
    Arg ip = Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("192.0.2.7")));
    List<Verdict> answers = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // alternately to each JVM
      Verdict v = verdict(clients.get(i % 2).notify(SpoaMessage.of(RateLimitHandler.MESSAGE, ip)).await());
      answers.add(new Verdict(v.count(), v.limited(), "rl-" + (i % 2 + 1)));
    }
    assertOneCount(answers); // one count in Redis for the client, whichever JVM answers
    assertTrue(answers.stream().filter(v -> v.count() != null).map(Verdict::node).distinct().count() == 2,
      "both JVMs counted: " + answers);
  }

  @Test
  void handlerNodesOfAClusterCountAgainstOneLimit() throws Exception {
    int port = HaproxyProcess.freePort();
    // Hazelcast ports below the ephemeral range (32768+): no outgoing connection can take one first
    int base = 26_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(0, 400) * 10;
    String members = "127.0.0.1:" + base + ",127.0.0.1:" + (base + 1) + ",127.0.0.1:" + (base + 2);
    List<String> cluster = List.of("--cluster-members", members, "--cluster-name", "rl-it-" + java.util.UUID.randomUUID());
    List<String> counting = List.of("--ratelimit.redis=" + redis.url(), "--ratelimit.limit=5", "--ratelimit.window=60");
    List<String> frontArgs = new ArrayList<>(List.of("--role", "front", "--port", String.valueOf(port),
      "--cluster-port", String.valueOf(base)));
    frontArgs.addAll(cluster);
    AgentProcess front = AgentProcess.startClass("front", Map.of("SPOA_METRICS_ENABLED", "false"), MAIN, frontArgs);
    agents.add(front);
    front.awaitLog("listening on 127.0.0.1:" + port, 60);
    for (int i = 1; i <= 2; i++) {
      List<String> args = new ArrayList<>(List.of("--role", "handler", "--node-name", "h" + i, "--worker-pool-size", "2",
        "--cluster-port", String.valueOf(base + i)));
      args.addAll(cluster);
      args.addAll(counting);
      AgentProcess node = AgentProcess.startClass("h" + i, Map.of("SPOA_METRICS_ENABLED", "false"), MAIN, args);
      agents.add(node);
      node.awaitLog("registered cluster-wide", 60);
    }
    front.awaitLog("Members {size:3", 30);
    vertx = Vertx.vertx();
    SpopTestClient c = SpopTestClient.connect(vertx, port, "127.0.0.1").await();
    c.hello().await();
    // first a client of its own until both nodes have answered: their first requests open the
    // event-bus connections and may miss the deadline (docs/scaling.md)
    Arg warmUp = Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("192.0.2.1")));
    java.util.Set<String> answered = new java.util.HashSet<>();
    for (int i = 0; i < 100 && answered.size() < 2; i++) {
      AckFrame ack = c.notify(SpoaMessage.of(RateLimitHandler.MESSAGE, warmUp)).await();
      if (!ack.actions().isEmpty()) { // empty: the deadline passed (no fallback variable here)
        answered.add(verdict(ack).node());
      }
    }
    assertEquals(java.util.Set.of("h1", "h2"), answered, "both handler nodes answer");

    Arg ip = Arg.of("ip", TypedValue.ofAddress(InetAddress.getByName("192.0.2.9")));
    List<Verdict> answers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      answers.add(verdict(c.notify(SpoaMessage.of(RateLimitHandler.MESSAGE, ip)).await()));
    }
    assertOneCount(answers); // one count for the client, whichever node answers
    assertEquals(java.util.Set.of("h1", "h2"), answers.stream().filter(v -> v.count() != null).map(Verdict::node)
      .collect(java.util.stream.Collectors.toSet()), "both nodes counted: " + answers);
  }

  @Test
  void withRedisGoneEveryRequestIsAnsweredInTimeAndLetThrough() throws Exception {
    int port = HaproxyProcess.freePort();
    int web = HaproxyProcess.freePort();
    AgentProcess agent = agent("rl", port);
    HaproxyBinary binary = HaproxyBinary.versions().get(0);
    try (HaproxyProcess haproxy = haproxy(binary, web, port)) {
      assertEquals("200 1 -", get(web));
      redis.stop();
      for (int i = 0; i < 30; i++) {
        long start = System.nanoTime();
        assertEquals("200 - redis-unavailable", get(web), haproxy::log);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 400, "answered well inside the agent's deadline, not at HAProxy's timeout: " + millis + " ms");
      }
      assertFalse(haproxy.log().contains("st=1"), "no SPOE error: the agent answered each NOTIFY\n" + haproxy.log());
      String log = agent.log();
      assertEquals(1, log.lines().filter(l -> l.contains("does not answer")).count(), "the outage is logged once:\n" + log);
      assertEquals(List.of(), agent.entriesWithStackTraces(), "no stack trace");

      redis.restart(); // an empty Redis: counting starts again
      String answer = "";
      for (int i = 0; i < 50 && !answer.startsWith("200 1 "); i++) {
        answer = get(web);
      }
      assertEquals("200 1 -", answer, "counted again once Redis is back");
      assertTrue(agent.log().contains("answers again"), agent.log());
    }
  }
}
