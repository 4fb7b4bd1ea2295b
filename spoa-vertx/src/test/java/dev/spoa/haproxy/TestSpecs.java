package dev.spoa.haproxy;

import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** The agent specs and the {@code haproxy -c} helper the tests share. */
final class TestSpecs {

  static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

  private TestSpecs() {
  }

  /** The ip-reputation example: conf/spoe-iprep.conf is written for it. */
  static AgentSpec ipRep() {
    return AgentSpec.builder("iprep")
      .agentName("iprep-agent")
      .varPrefix("iprep")
      .message(SpoeMessageSpec.builder("check-client-ip")
        .arg("ip", "src")
        .event("on-frontend-http-request")
        .sets(Scope.SESS, "ip_score")
        .build())
      .options(new SpoaServerOptions().setHandlerTimeout(400))
      .build();
  }

  /**
   * An agent on a unix socket with a proc-scope variable, a group message with its own (longer)
   * deadline, a fallback variable and no fragmentation.
   */
  static AgentSpec statsUnix() {
    return AgentSpec.builder("stats")
      .agentName("stats-agent")
      .varPrefix("st")
      .message(SpoeMessageSpec.builder("count-request")
        .arg("path", "path")
        .arg("method", "method")
        .event("on-frontend-http-request")
        .sets(Scope.PROC, "requests")
        .sets(Scope.TXN, "verdict")
        .build())
      .message(SpoeMessageSpec.builder("check-body")
        .arg("len", "req.body_size")
        .group("grp-body")
        .sets(Scope.REQ, "body_ok")
        .build())
      .options(new SpoaServerOptions()
        .setUnixSocketPath("/run/spoa/stats.sock")
        .setHandlerTimeout(300)
        .setHandlerTimeout("check-body", 1500)
        .setConnectionIdleTimeout(60_000)
        .setFragmentation(false)
        .setFallbackVariable("txn.spoa_error"))
      .build();
  }

  /** Result of {@code haproxy -c}. */
  record Check(int exitCode, String output) {
  }

  /** Skips (or, with env CI=true, fails) when HAProxy is not installed. */
  static void requireHaproxy() {
    if (!Files.isExecutable(HAPROXY)) {
      if ("true".equals(System.getenv("CI"))) {
        fail(HAPROXY + " is missing and CI=true: install haproxy (2.6) to run the haproxy -c checks");
      }
      Assumptions.abort(HAPROXY + " is not installed: haproxy -c checks skipped");
    }
  }

  /**
   * Writes the SPOE file, a haproxy.cfg with a minimal HTTP frontend using it plus the generated
   * backend, and runs {@code haproxy -c} on it (bounded to 30 s).
   */
  static Check haproxyCheck(Path dir, String spoeFile, java.util.function.Function<String, String> frontendLines,
                            String backend) throws IOException, InterruptedException {
    requireHaproxy();
    Path spoe = dir.resolve("spoe.conf");
    Files.writeString(spoe, spoeFile, StandardCharsets.UTF_8);
    String cfg = String.join("\n",
      "global",
      "    log stdout format raw local0 info",
      "defaults",
      "    mode http",
      "    log global",
      "    timeout connect 5s",
      "    timeout client  30s",
      "    timeout server  30s",
      "frontend fe_web",
      "    bind 127.0.0.1:18080",
      frontendLines.apply(spoe.toString()).stripTrailing(),
      "    http-request return status 200",
      "",
      backend);
    Path cfgFile = dir.resolve("haproxy.cfg");
    Files.writeString(cfgFile, cfg, StandardCharsets.UTF_8);
    Path log = dir.resolve("haproxy-c.log");
    Process p = new ProcessBuilder(HAPROXY.toString(), "-c", "-f", cfgFile.toString())
      .redirectErrorStream(true)
      .redirectOutput(log.toFile())
      .start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        fail("haproxy -c did not finish within 30 s");
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    return new Check(p.exitValue(), Files.readString(log) + "\n--- haproxy.cfg ---\n" + cfg + "\n--- spoe ---\n" + spoeFile);
  }
}
