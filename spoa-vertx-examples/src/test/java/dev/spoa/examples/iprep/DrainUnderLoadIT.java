package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.HaproxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rolling restarts under load: HAProxy 2.6 with two agent processes (the packaged jar) in its SPOE
 * backend, continuous HTTP requests, and each agent in turn stopped with SIGTERM and started again,
 * five times. The drain (failed health checks first, open connections served and closed after an
 * ACK) should lose no request; the test allows one per restart, as HAProxy 2.6 can still write on a
 * connection the agent is closing.
 */
class DrainUnderLoadIT {

  private static final int ROUNDS = 5;

  private final Process[] agents = new Process[2];
  private final List<Path> logs = new ArrayList<>();
  private HaproxyProcess haproxy;

  @AfterEach
  void tearDown() throws Exception {
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
    }
  }

  private Process startAgent(int port) throws Exception {
    Path jar = Path.of("target", "ip-reputation-agent.jar").toAbsolutePath();
    Path log = Files.createTempFile("agent-" + port + "-", ".log");
    logs.add(log);
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPOA_PORT", String.valueOf(port));
    pb.environment().put("SPOA_METRICS_PORT", String.valueOf(HaproxyProcess.freePort()));
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!portOpen(port)) {
      assertTrue(p.isAlive() && System.nanoTime() < deadline, () -> "agent did not start: " + read(log));
      Thread.sleep(50);
    }
    return p;
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

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void rollingRestartsUnderLoadLoseAtMostOneRequestPerRestart() throws Exception {
    int web = HaproxyProcess.freePort();
    int[] ports = {HaproxyProcess.freePort(), HaproxyProcess.freePort()};
    for (int i = 0; i < 2; i++) {
      agents[i] = startAgent(ports[i]);
    }
    String cfg = HaproxyProcess.iprepLoadConfig(web, List.of(),
      "server agent1 127.0.0.1:" + ports[0] + " check inter 300ms fall 2 rise 2",
      "server agent2 127.0.0.1:" + ports[1] + " check inter 300ms fall 2 rise 2");
    String spoe = Files.readString(HaproxyProcess.confDir().resolve("spoe-iprep.conf"));
    haproxy = HaproxyProcess.start(cfg, web, "spoe-iprep.conf", spoe);
    for (int i = 0; i < 2; i++) {
      assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent" + (i + 1), "UP", "L7OK", Duration.ofSeconds(10)));
    }

    // Continuous load: 4 keep-alive clients until the restarts are done.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
      .timeout(Duration.ofSeconds(5)).build();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        while (running.get()) {
          String outcome;
          try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            outcome = r.statusCode() != 200 ? "http " + r.statusCode()
              : r.headers().firstValue("Ip_score").isPresent() ? null
              : "spoe error " + r.headers().firstValue("Spoe_error").orElse("?");
          } catch (Exception e) {
            outcome = e.getClass().getSimpleName();
          }
          if (outcome == null) {
            ok.incrementAndGet();
          } else {
            failures.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
          }
        }
      }, "load-" + t);
      th.start();
      clients.add(th);
    }

    int restarts = 0;
    try {
      Thread.sleep(500);
      for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < 2; i++) {
          Process p = agents[i];
          p.destroy(); // SIGTERM: drain
          assertTrue(p.waitFor(30, TimeUnit.SECONDS), "agent " + (i + 1) + " exits after its drain");
          agents[i] = startAgent(ports[i]);
          assertEquals("UP/L7OK", haproxy.awaitCheck("spoe-iprep", "agent" + (i + 1), "UP", "L7OK",
            Duration.ofSeconds(15)));
          restarts++;
          Thread.sleep(300);
        }
      }
    } finally {
      running.set(false);
      for (Thread th : clients) {
        th.join(10_000);
      }
    }
    int failed = failures.values().stream().mapToInt(AtomicInteger::get).sum();
    System.out.printf("drain under load: %d restarts, %d requests answered with a score, %d without: %s%n",
      restarts, ok.get(), failed, failures);
    assertEquals(2 * ROUNDS, restarts);
    assertTrue(ok.get() > 1000, "load ran: " + ok.get());
    assertTrue(failed <= restarts, "at most one lost request per restart: " + failures + "\n" + haproxy.log());
  }
}
