package dev.spoa.examples.cluster;

import dev.spoa.examples.haproxy.AgentProcess;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/scaling.md's commands for the three deployment models, run as written on one machine behind
 * HAProxy. Only the ports move: each port the page names (and the defaults 12345 and 9090 of the
 * nodes that name none, through SPOA_PORT and SPOA_METRICS_PORT) becomes a free one, and the
 * Hazelcast ports 5701-5703 a random block below the ephemeral range, so that the test runs beside
 * anything else on the machine.
 */
class ScalingDocIT {

  private static final int REQUESTS = 200;
  private int web;
  private final List<AgentProcess> nodes = new ArrayList<>();
  private final Map<String, String> ports = new HashMap<>();
  /** Hazelcast's ports below the ephemeral range (32768+): no outgoing connection can take one first. */
  private final int hazelcastBase = 25_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(0, 400) * 10;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopTheNodes() throws Exception {
    for (AgentProcess n : nodes) {
      n.close();
    }
  }

  /** The page's {@code java -jar $jar ...} lines under "(a)", "(b)" or "(c)", as argument lists. */
  private static List<List<String>> commands(String model) throws Exception {
    String page = Files.readString(HaproxyProcess.confDir().getParent().resolve("docs/scaling.md"));
    Matcher block = Pattern.compile("## The three deployment models[^`]*```\\n(.*?)```", Pattern.DOTALL).matcher(page);
    assertTrue(block.find(), "docs/scaling.md has its commands block");
    List<List<String>> commands = new ArrayList<>();
    boolean inModel = false;
    for (String line : block.group(1).split("\n")) {
      if (line.startsWith("# (")) {
        inModel = line.startsWith("# (" + model + ")");
      } else if (inModel && line.startsWith("java -jar $jar")) {
        String rest = line.substring("java -jar $jar".length()).trim();
        commands.add(rest.isEmpty() ? List.of() : Arrays.asList(rest.split("\\s+")));
      }
    }
    assertTrue(!commands.isEmpty(), "docs/scaling.md shows model (" + model + ")");
    return commands;
  }

  /** The same free port for the same port of the page, in every argument that names it. */
  private List<String> withFreePorts(List<String> args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      Matcher m = Pattern.compile("\\b(5\\d{3}|9\\d{3}|1\\d{4})\\b").matcher(a);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(sb, ports.computeIfAbsent(m.group(1), p -> String.valueOf(p.startsWith("57")
          ? hazelcastBase + Integer.parseInt(p) - 5701 : HaproxyProcess.freePort())));
      }
      m.appendTail(sb);
      out.add(sb.toString());
    }
    return out;
  }

  private AgentProcess start(String name, List<String> args) throws Exception {
    List<String> moved = withFreePorts(args);
    Map<String, String> env = new HashMap<>();
    env.put("SPOA_PORT", ports.computeIfAbsent("12345", p -> String.valueOf(HaproxyProcess.freePort())));
    if (moved.stream().noneMatch(a -> a.startsWith("--metrics.port"))) {
      env.put("SPOA_METRICS_PORT", ports.computeIfAbsent("9090", p -> String.valueOf(HaproxyProcess.freePort())));
    }
    AgentProcess node = AgentProcess.start(name, env, moved);
    nodes.add(node);
    return node;
  }

  /** HAProxy in front of the node on the page's port 12345, once its check passes. */
  private HaproxyProcess haproxy() throws Exception {
    HaproxyBinary binary = HaproxyBinary.versions().get(0);
    web = HaproxyProcess.freePort();
    String cfg = HaproxyProcess.confHaproxyCfg(binary, web, Integer.parseInt(ports.get("12345")));
    HaproxyProcess haproxy = HaproxyProcess.start(binary, cfg, web, "spoe-iprep.conf", HaproxyProcess.confSpoe());
    assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(15)));
    return haproxy;
  }

  /** One request through HAProxy; its Ip_score header, if any. */
  private Optional<String> score(HaproxyProcess haproxy) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
      .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.headers().firstValue("Ip_score");
  }

  /** REQUESTS requests through HAProxy; each must carry the agent's score. */
  private void requestsThroughHaproxy(HaproxyProcess haproxy) throws Exception {
    for (int i = 0; i < REQUESTS; i++) {
      assertEquals(Optional.of("20"), score(haproxy), () -> "scored; HAProxy log:\n" + haproxy.log()
        + nodes.stream().map(n -> "\n" + n.log()).reduce("", String::concat));
    }
  }

  /** The messages one handler node's event bus delivered from other nodes (only the front sends), from its /metrics. */
  private double handledBy(String metricsPort) throws Exception {
    String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
      HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^vertx_eventbus_delivered_total\\{side=\"remote\"} (\\S+)$").matcher(scrape);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  @Test
  void oneJvmWithTheHandlerOnTheEventLoop() throws Exception {
    start("a", commands("a").get(0)).awaitLog("listening on 127.0.0.1:" + ports.get("12345"), 60);
    try (HaproxyProcess haproxy = haproxy()) {
      requestsThroughHaproxy(haproxy);
    }
  }

  @Test
  void oneJvmWithTheHandlerOnAWorkerPool() throws Exception {
    AgentProcess node = start("b", commands("b").get(0));
    node.awaitLog("listening on 127.0.0.1:" + ports.get("12345"), 60);
    assertTrue(node.log().contains("8 handler(s) for 'check-client-ip' on worker threads"), node.log());
    try (HaproxyProcess haproxy = haproxy()) {
      requestsThroughHaproxy(haproxy);
    }
  }

  @Test
  void aFrontAndTwoHandlerNodesShareTheWork() throws Exception {
    List<List<String>> commands = commands("c");
    assertEquals(3, commands.size(), "a front and two handler nodes");
    AgentProcess front = start("front", commands.get(0));
    front.awaitLog("listening on 127.0.0.1:" + ports.get("12345"), 60);
    AgentProcess h1 = start("handler-1", commands.get(1));
    AgentProcess h2 = start("handler-2", commands.get(2));
    h1.awaitLog("registered cluster-wide", 60);
    h2.awaitLog("registered cluster-wide", 60);
    front.awaitLog("Members {size:3", 30);
    try (HaproxyProcess haproxy = haproxy()) {
      // the first request to each node opens the event-bus connections and meets cold code: it may
      // miss the deadline (docs/scaling.md); once both nodes have answered, none may
      for (int i = 0; i < 100 && (handledBy(ports.get("9091")) == 0 || handledBy(ports.get("9092")) == 0); i++) {
        score(haproxy);
      }
      double first = handledBy(ports.get("9091"));
      double second = handledBy(ports.get("9092"));
      assertTrue(first > 0 && second > 0, "both handler nodes answer: " + first + " and " + second);
      requestsThroughHaproxy(haproxy);
      first = handledBy(ports.get("9091")) - first;
      second = handledBy(ports.get("9092")) - second;
      // at least: the front hedges, so a request slower than 150 ms is also asked of the other node
      assertTrue(first + second >= REQUESTS, "every request was handled by a handler node: " + (first + second));
      assertTrue(first > REQUESTS / 4.0 && second > REQUESTS / 4.0, "both handler nodes take a share: " + first + " and " + second);
    }
  }
}
