package dev.spoa.examples.ownagent;

import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/own-agent, the page "Your own agent", as a user has it: a separate Maven project that imports
 * spoa-vertx-bom and depends on the installed library (the README's test command installs it),
 * built with its own test, then its jar behind each HAProxy version with the HAProxy configuration
 * that the jar generates. ({@link OwnAgentPageTest} checks
 * that the page shows the project's code.)
 */
class OwnAgentIT {

  private static Path project;
  private static Path jar;

  @BeforeAll
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // a Maven build with its test: the 5 minutes it is given below
  static void buildTheProject() throws Exception {
    Path source = HaproxyProcess.confDir().getParent().resolve("docs/own-agent");
    project = Files.createTempDirectory("own-agent");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path p : files.filter(p -> !source.relativize(p).startsWith("target")).toList()) {
        Path target = project.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    Path log = project.resolve("build.log");
    Process mvn = new ProcessBuilder(source.getParent().getParent().resolve("mvnw").toString(), "-o", "-B", "-q",
      "-f", project.resolve("pom.xml").toString(), "package")
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(mvn.waitFor(5, TimeUnit.MINUTES), "the build finishes");
    assertEquals(0, mvn.exitValue(), () -> "the project builds and its test passes against the installed library"
      + " (run the README's test command, ./mvnw install, so that dev.spoa:spoa-vertx is installed):\n" + read(log));
    jar = project.resolve("target/bot-agent.jar");
    assertTrue(Files.isRegularFile(jar));
  }

  @AfterAll
  static void removeTheProject() throws IOException {
    if (project != null) {
      try (Stream<Path> files = Files.walk(project)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Runs {@code java -jar bot-agent.jar haproxy-config generate ...}: the SPOE file and the backend, for this version. */
  private static String[] generate(HaproxyBinary binary, int agentPort) throws Exception {
    Path out = Files.createTempFile("generated", ".txt");
    ProcessBuilder pb = new ProcessBuilder(java(), "-jar", jar.toString(), "haproxy-config", "generate",
      "--haproxy", binary.spopMode() ? "3.1" : "2.6", "--spoe-path", "@DIR@/spoe-bot.conf")
      .redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("SPOA_PORT", String.valueOf(agentPort));
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String text = read(out);
    Files.delete(out);
    assertEquals(0, p.exitValue(), text);
    String[] parts = text.split("# ---- haproxy.cfg ----\n");
    return new String[] {parts[0].substring(parts[0].indexOf('\n') + 1), parts[1]};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theUsersAgentRunsBehindHaproxyWithItsOwnSettingsAndMetrics(HaproxyBinary binary) throws Exception {
    int port = HaproxyProcess.freePort();
    int admin = HaproxyProcess.freePort();
    int web = HaproxyProcess.freePort();
    String[] generated = generate(binary, port);
    String cfg = String.join("\n",
      "global", "    stats socket @STATS_SOCKET@ mode 600 level admin",
      "defaults", "    mode http", "    timeout connect 5s", "    timeout client 30s", "    timeout server 30s",
      "frontend web", "    bind 127.0.0.1:" + web,
      "    filter spoe engine bot config @DIR@/spoe-bot.conf",
      "    http-request return status 200 content-type text/plain string ok",
      "    http-after-response set-header Bot-Score %[var(txn.bot.bot_score)]",
      "    http-after-response set-header Bot-Reason %[var(txn.bot.reason)]",
      "", generated[1].replace("check inter 2s", "check inter 2s\n    timeout check 3s"), "");

    Path log = Files.createTempFile("bot-agent", ".log");
    Process agent = new ProcessBuilder(java(), "-jar", jar.toString(), "--conf", project.resolve("bot.yaml").toString(),
      "--port", String.valueOf(port), "--metrics.port=" + admin)
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!read(log).contains("bot agent listening on 127.0.0.1:" + port)) {
        assertTrue(agent.isAlive() && System.nanoTime() < deadline, () -> "the agent starts:\n" + read(log));
        Thread.sleep(100);
      }
      try (HaproxyProcess haproxy = HaproxyProcess.start(binary, cfg, web, "spoe-bot.conf", generated[0])) {
        haproxy.awaitCheck("spoe-bot", "agent1", "UP", "L7OK", Duration.ofSeconds(15));
        List<String> verdicts = new ArrayList<>();
        for (String ua : List.of("curl/8.0", "Mozilla/5.0", "python-requests/2.31")) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/"))
            .header("User-Agent", ua).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          verdicts.add(r.headers().firstValue("Bot-Score").orElse("-") + " " + r.headers().firstValue("Bot-Reason").orElse("-"));
        }
        assertEquals(List.of("100 user-agent has 'curl'", "0 ok", "100 user-agent has 'python'"), verdicts,
          () -> "verdicts from bot.yaml's own section; HAProxy log:\n" + haproxy.log() + "\nagent log:\n" + read(log));
      }
      String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(scrape.contains("spoa_frames_received_total{type=\"notify\"} 3.0"), scrape);
      agent.destroy(); // SIGTERM
      assertTrue(agent.waitFor(30, TimeUnit.SECONDS), () -> "exits after SIGTERM:\n" + read(log));
      assertTrue(read(log).contains("draining"), read(log));
    } finally {
      if (agent.isAlive()) {
        agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(log);
    }
  }
}
