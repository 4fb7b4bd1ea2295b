package dev.spoa.examples.cluster;

import dev.spoa.examples.haproxy.AgentProcess;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.net.ListeningSockets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clustered deployment as separate processes, on every HAProxy version: HAProxy -> a front agent JVM (server only) ->
 * handler JVMs (handlers only), joined by Hazelcast on loopback. Under continuous HTTP load one
 * handler JVM is killed (SIGKILL by pid): requests keep succeeding, only those caught on the dead
 * node get the fallback (an ACK without actions), then all answers come from the survivor; a third
 * handler JVM joins and takes its share. The front logs no stack trace.
 */
class HandlerNodeFailoverIT {

  private static final int CLIENTS = 4;
  /**
   * Requests a second per client: a paced load, as in production. Unpaced clients kept five
   * processes on two cores at 100% CPU, where a 400 ms fallback can itself come later than
   * HAProxy's 500 ms timeout.
   */
  private static final int RATE_PER_CLIENT = 100;

  private final List<AgentProcess> agents = new ArrayList<>();
  /** The front's settings beyond the defaults (the hedging run adds spoa.hedgeAfter). */
  private final List<String> frontSettings = new ArrayList<>();
  /** The kill window and the join of the last run, for the hedging run's own bounds. */
  private Phase lastKillWindow;
  private Phase lastJoining;
  private HaproxyProcess haproxy;

  /** What the load saw, per phase: answers per handler node, fallbacks, errors. */
  private static final class Phase {
    final Map<String, AtomicInteger> nodes = new ConcurrentHashMap<>();
    final AtomicInteger fallbacks = new AtomicInteger();
    final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();

    int total() {
      return nodes.values().stream().mapToInt(AtomicInteger::get).sum() + fallbacks.get();
    }

    int answered(String node) {
      AtomicInteger n = nodes.get(node);
      return n == null ? 0 : n.get();
    }

    @Override
    public String toString() {
      return "nodes=" + nodes + " fallbacks=" + fallbacks + " errors=" + errors;
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AgentProcess a : agents) {
      a.close();
    }
    if (haproxy != null) {
      haproxy.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void killingAHandlerNodeMovesTrafficToTheSurvivorAndANewNodeTakesItsShare(HaproxyBinary binary) throws Exception {
    int web = HaproxyProcess.freePort();
    int spoa = HaproxyProcess.freePort();
    // Hazelcast ports below the ephemeral range (32768+): no outgoing connection can take one first
    int base = 21_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(0, 400) * 10;
    int[] hz = {base, base + 1, base + 2, base + 3};
    String members = "127.0.0.1:" + hz[0] + ",127.0.0.1:" + hz[1] + ",127.0.0.1:" + hz[2] + ",127.0.0.1:" + hz[3];
    String clusterName = "spoa-it-" + UUID.randomUUID();

    // The front first: the handler nodes then join its cluster (nodes started at the same instant
    // with join wait 0 could each form a cluster of their own until Hazelcast merges them).
    List<String> frontArgs = new ArrayList<>(List.of("--role", "front", "--port", String.valueOf(spoa),
      "--cluster-port", String.valueOf(hz[0]), "--cluster-members", members, "--cluster-name", clusterName));
    frontArgs.addAll(frontSettings);
    AgentProcess front = start("front", frontArgs.toArray(new String[0]));
    front.awaitLog("listening on 127.0.0.1:" + spoa, 60);
    // Every handler node registers the same number of consumers (2 worker instances): Vert.x 5.0.7
    // weighs a node by its consumer count minus one, so a node with 1 consumer next to one with more
    // would get no point-to-point traffic at all (see docs/scaling.md).
    AgentProcess h1 = start("h1", "--role", "handler", "--node-name", "h1", "--worker-pool-size", "2",
      "--cluster-port", String.valueOf(hz[1]), "--cluster-members", members, "--cluster-name", clusterName);
    AgentProcess h2 = start("h2", "--role", "handler", "--node-name", "h2", "--worker-pool-size", "2",
      "--cluster-port", String.valueOf(hz[2]), "--cluster-members", members, "--cluster-name", clusterName);
    h1.awaitLog("registered cluster-wide", 60);
    h2.awaitLog("registered cluster-wide", 60);
    front.awaitLog("Members {size:3", 30);
    for (int i = 0; i < 3; i++) {
      assertEquals(java.util.Set.of("127.0.0.1"), ListeningSockets.addresses(hz[i]),
        "the cluster port " + hz[i] + " listens on loopback only");
    }

    String cfg = HaproxyProcess.iprepLoadConfig(binary, web, List.of("Node"),
      "server front 127.0.0.1:" + spoa + " check inter 500ms");
    haproxy = HaproxyProcess.start(binary, cfg, web, "spoe-iprep.conf", HaproxyProcess.confSpoe());
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "front", "UP", "L7OK", Duration.ofSeconds(10)));

    // Continuous load; each answer is counted in the phase current when it arrives.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
      .timeout(Duration.ofSeconds(5)).build();
    AtomicReference<Phase> phase = new AtomicReference<>(new Phase());
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < CLIENTS; t++) {
      Thread th = new Thread(() -> {
        long interval = TimeUnit.SECONDS.toNanos(1) / RATE_PER_CLIENT;
        long next = System.nanoTime();
        while (running.get()) {
          next += interval;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
          } else {
            next = System.nanoTime(); // behind: no burst to catch up
          }
          Phase p = phase.get();
          try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              p.errors.computeIfAbsent("http " + r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            } else if (r.headers().firstValue("Spoe_error").isPresent()) {
              p.errors.computeIfAbsent("spoe error " + r.headers().firstValue("Spoe_error").get(),
                k -> new AtomicInteger()).incrementAndGet();
            } else if (r.headers().firstValue("Node").isEmpty()) {
              // the agent's ACK without actions (txn.iprep.node is per request; sess.iprep.ip_score
              // would still show the previous answer on a keep-alive connection)
              p.fallbacks.incrementAndGet();
            } else {
              p.nodes.computeIfAbsent(r.headers().firstValue("Node").get(), k -> new AtomicInteger())
                .incrementAndGet();
            }
          } catch (Exception e) {
            p.errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
          }
        }
      }, "load-" + t);
      th.start();
      clients.add(th);
    }

    Phase warmUp;
    Phase before;
    Phase during;
    Phase after;
    Phase starting;
    Phase joining;
    Phase joined;
    try {
      // 0. warm-up: the first requests open the event-bus connections and meet cold JIT code
      awaitAnswers(phase.get(), "h1", 100);
      awaitAnswers(phase.get(), "h2", 100);
      warmUp = phase.get();
      // 1. two handler nodes share the load
      before = new Phase();
      phase.set(before);
      awaitAnswers(before, "h1", 200);
      awaitAnswers(before, "h2", 200);

      // 2. kill h1: what was in flight on it falls back; the front learns that it left
      during = new Phase();
      phase.set(during);
      h1.kill();
      front.awaitLog(l -> l.lines().filter(x -> x.startsWith("Members {size:2")).count() >= 1
        && l.lastIndexOf("Members {size:2") > l.lastIndexOf("Members {size:3"), "Members {size:2", 30);
      Thread.sleep(1_000); // let the requests that were sent to h1 reach their deadline

      // 3. only the survivor answers
      after = new Phase();
      phase.set(after);
      awaitAnswers(after, "h2", 500);

      // 4. a third handler JVM starts and joins: on these shared cores its start-up (class loading,
      // JIT, Hazelcast's partition migration) can starve the front for longer than the 100 ms between
      // its deadline and HAProxy's timeout, so this phase is counted apart from the survivor's
      starting = new Phase();
      phase.set(starting);
      AgentProcess h3 = start("h3", "--role", "handler", "--node-name", "h3", "--worker-pool-size", "2",
        "--cluster-port", String.valueOf(hz[3]), "--cluster-members", members, "--cluster-name", clusterName);
      h3.awaitLog("registered cluster-wide", 60);
      front.awaitLog(l -> l.lastIndexOf("Members {size:3") > l.lastIndexOf("Members {size:2"), "Members {size:3", 30);
      joining = new Phase(); // h3's first requests meet cold code: some miss the deadline
      phase.set(joining);
      awaitAnswers(joining, "h3", 100);
      joined = new Phase();
      phase.set(joined);
      awaitAnswers(joined, "h3", 200);
      awaitAnswers(joined, "h2", 200);
    } finally {
      running.set(false);
      for (Thread th : clients) {
        th.join(10_000);
      }
    }
    System.out.printf("%s%nwarm-up: %s%nbefore kill: %s%nkill window: %s%nafter: %s%nh3 starting: %s%nh3 joining: %s%n"
        + "h3 joined: %s%n", frontSettings.isEmpty() ? "front: defaults" : "front: " + frontSettings,
      warmUp, before, during, after, starting, joining, joined);
    lastKillWindow = during;
    lastJoining = joining;

    for (Phase p : List.of(warmUp, before, during, after, starting, joining, joined)) {
      assertTrue(p.errors.keySet().stream().allMatch(k -> k.startsWith("spoe error")),
        () -> "every HTTP request succeeded: " + p + "\n" + haproxy.log());
    }
    for (Phase p : List.of(before, after)) {
      assertTrue(p.errors.isEmpty(), () -> "no SPOE error: " + p + "\n" + haproxy.log());
    }
    // Outside the kill window a fallback is a missed 400 ms deadline: rare, but possible on a shared
    // 2-core machine (CPU starvation, GC); more than 1% would mean traffic still goes to a dead node.
    assertTrue(before.fallbacks.get() <= before.total() / 100, before::toString);
    // Requests caught on h1: those in flight when it died, plus those the front sent to it before
    // Hazelcast dropped it (at most one per client and per deadline in that window).
    assertTrue(during.fallbacks.get() <= 5 * CLIENTS, during::toString);
    assertTrue(after.fallbacks.get() <= after.total() / 100, after::toString);
    assertEquals(0, after.answered("h1"), "nothing from the dead node: " + after);
    assertEquals(0, starting.answered("h1"), "nothing from the dead node: " + starting);
    // measured: 0 SPOE errors in 3,761 to 4,156 requests (one core kept busy); CI once saw 1 in about 2,366
    assertTrue(starting.errors.values().stream().mapToInt(AtomicInteger::get).sum() <= starting.total() / 100,
      () -> "a starved front, not a broken one: " + starting);
    assertTrue(joined.fallbacks.get() <= joined.total() / 100, joined::toString);
    assertEquals(0, joined.answered("h1"), joined::toString);

    // Hazelcast 5.3 may log, at ERROR, a map read it retried across the member-list change that the
    // kill causes and that got its answer twice (ResponseAlreadySentException, seen once in a clean
    // CI run): Hazelcast's own bookkeeping, not the agent's. Any other stack trace fails the test.
    List<String> traces = front.entriesWithStackTraces().stream()
      .filter(e -> !HAZELCAST_RESPONSE_RACE.matcher(e).lookingAt())
      .toList();
    assertTrue(traces.isEmpty(), () -> "the front logs no stack trace:\n" + String.join("\n", traces));
    assertTrue(front.isAlive() && h2.isAlive());
  }

  private static final Pattern HAZELCAST_RESPONSE_RACE =
    Pattern.compile("\\S+ +ERROR +c\\.h\\.\\S+ - .*\\ncom\\.hazelcast\\.spi\\.exception\\.ResponseAlreadySentException: ", Pattern.DOTALL);

  private AgentProcess start(String name, String... args) throws Exception {
    AgentProcess a = AgentProcess.start(name, args);
    agents.add(a);
    return a;
  }

  private static void awaitAnswers(Phase p, String node, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (p.answered(node) < count) {
      assertTrue(System.nanoTime() < deadline, () -> "no " + count + " answers from " + node + ": " + p);
      Thread.sleep(20);
    }
  }

  /**
   * The same with {@code hedgeAfter} on the front (150 ms, the deadline 400 ms): what the killed node
   * held, and what a new node answers late, is asked of another node. Once per run, on the first
   * HAProxy version: the setting is the agent's, not HAProxy's.
   */
  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void withHedgingTheKilledNodesRequestsAreAnsweredByTheSurvivor() throws Exception {
    frontSettings.add("--spoa.hedgeAfter=150");
    killingAHandlerNodeMovesTrafficToTheSurvivorAndANewNodeTakesItsShare(HaproxyBinary.versions().get(0));
    // each request caught on h1 is asked again at 150 ms and at 300 ms, each time of the next consumer
    assertTrue(lastKillWindow.fallbacks.get() <= CLIENTS, lastKillWindow::toString);
    assertTrue(lastJoining.fallbacks.get() <= CLIENTS, lastJoining::toString); // measured 0 and 2 (defaults: 4 to 10)
  }
}
