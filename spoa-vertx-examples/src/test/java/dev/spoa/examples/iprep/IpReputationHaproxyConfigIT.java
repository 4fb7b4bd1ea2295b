package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.haproxy.AgentSpec;
import dev.spoa.haproxy.HaproxyConfigGenerator;
import dev.spoa.haproxy.HaproxyVersion;
import dev.spoa.haproxy.SpoeMessageSpec;
import dev.spoa.haproxy.SpoeTool;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's HAProxy configuration as each HAProxy version reads it ({@code haproxy -c}): the
 * shipped conf/ and deploy/ files, and what the generator writes for the version's family
 * ({@code haproxy-config generate --haproxy 2.6} for 2.6 and 3.0, {@code --haproxy 3.1} for 3.1+).
 * Also the agent's own validation of the shipped and generated SPOE files.
 */
class IpReputationHaproxyConfigIT {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  static Stream<HaproxyBinary> appletVersions() {
    return HaproxyBinary.versions(v -> !v.spopMode());
  }

  static Stream<HaproxyBinary> multiplexerVersions() {
    return HaproxyBinary.versions(HaproxyBinary::spopMode);
  }

  private int run(String... args) {
    return SpoeTool.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), IpReputationHandler.spec(new SpoaServerOptions()));
  }

  /** The generator's family for {@code binary}, as {@code --haproxy} takes it. */
  private static String family(HaproxyBinary binary) {
    return binary.spopMode() ? "3.1" : "2.6";
  }

  /** A haproxy.cfg around {@code frontendLines} and {@code sections}, with the SPOE file written beside it. */
  private Path haproxyCfg(String frontendLines, String sections) throws Exception {
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, String.join("\n",
      "global",
      "    log stdout format raw local0 info",
      "defaults",
      "    mode http",
      "    log global",
      "    timeout connect 5s",
      "    timeout client 30s",
      "    timeout server 30s",
      "frontend fe_web",
      "    bind 127.0.0.1:" + HaproxyProcess.freePort(),
      frontendLines.stripTrailing(),
      "    http-request return status 200",
      "",
      sections));
    return cfg;
  }

  private static void assertValid(HaproxyBinary binary, Path cfg) throws Exception {
    HaproxyBinary.ConfigCheck check = binary.checkConfig(cfg);
    assertTrue(check.valid(), () -> binary + " -c:\n" + check.output() + "\n--- " + cfg + " ---\n" + read(cfg));
    // HAProxy accepts some mistakes with a warning only (e.g. a missing SPOE timeout on 2.6)
    assertFalse(check.output().contains("[WARNING]"), () -> binary + " warns:\n" + check.output());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (Exception e) {
      return e.toString();
    }
  }

  // ---- the shipped files ----

  @Test
  void theShippedSpoeFileValidatesAgainstTheHandler() {
    int code = run("validate", HaproxyProcess.confDir().resolve("spoe-iprep.conf").toString());
    assertEquals(0, code, out + "\n" + err);
  }

  /** conf/haproxy.cfg as shipped says {@code mode tcp}: 2.6 and 3.0 need it, 3.1+ turns it into {@code spop} itself. */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theShippedConfigurationIsValid(HaproxyBinary binary) throws Exception {
    Files.writeString(dir.resolve("spoe-iprep.conf"), HaproxyProcess.confSpoe());
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, Files.readString(HaproxyProcess.confDir().resolve("haproxy.cfg"))
      .replace("config conf/spoe-iprep.conf", "config " + dir.resolve("spoe-iprep.conf")));
    assertValid(binary, cfg);
  }

  /** What conf/haproxy.cfg's comment tells 3.1+ users to write; 2.6 and 3.0 do not know the mode. */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theShippedConfigurationWithModeSpopIsValidFrom31On(HaproxyBinary binary) throws Exception {
    Files.writeString(dir.resolve("spoe-iprep.conf"), HaproxyProcess.confSpoe());
    Path cfg = dir.resolve("haproxy.cfg");
    String spop = Files.readString(HaproxyProcess.confDir().resolve("haproxy.cfg"))
      .replace("config conf/spoe-iprep.conf", "config " + dir.resolve("spoe-iprep.conf"))
      .replace("    mode tcp\n", "    mode spop\n");
    assertTrue(spop.contains("mode spop"), spop);
    Files.writeString(cfg, spop);
    if (binary.spopMode()) {
      assertValid(binary, cfg);
    } else {
      HaproxyBinary.ConfigCheck check = binary.checkConfig(cfg);
      assertFalse(check.valid(), check::output);
      assertTrue(check.output().contains("unknown proxy mode 'spop'"), check::output);
    }
  }

  /** deploy/haproxy/ (the compose file pins haproxy:2.6; the others show what an image bump would meet). */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theComposeConfigurationIsValid(HaproxyBinary binary) throws Exception {
    Path deploy = HaproxyProcess.confDir().resolveSibling("deploy").resolve("haproxy");
    Files.writeString(dir.resolve("spoe-iprep.conf"), Files.readString(deploy.resolve("spoe-iprep.conf")));
    // the compose service name does not resolve here: check the same file with a local address
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, Files.readString(deploy.resolve("haproxy.cfg"))
      .replace("agent:12345", "127.0.0.1:12345")
      .replace("/usr/local/etc/haproxy/spoe-iprep.conf", dir.resolve("spoe-iprep.conf").toString()));
    assertValid(binary, cfg);
  }

  // ---- generated ----

  /**
   * {@code haproxy-config generate --haproxy <family> --out DIR}, as the jar runs it: the SPOE file
   * and the haproxy.cfg parts (the frontend lines come commented out, ready to paste; here uncommented).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void theToolsGeneratedConfigurationIsValid(HaproxyBinary binary) throws Exception {
    Path gen = dir.resolve("gen");
    assertEquals(0, run("generate", "--haproxy", family(binary), "--out", gen.toString()), err.toString());
    Path spoe = gen.resolve("spoe-iprep.conf");
    String parts = Files.readString(gen.resolve("haproxy-iprep.cfg"));
    String frontend = parts.lines().filter(l -> l.startsWith("#    ")).map(l -> l.substring(1))
      .collect(Collectors.joining("\n"));
    String backend = parts.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n"));
    assertTrue(frontend.contains("filter spoe engine iprep config " + spoe.toAbsolutePath()), parts);
    assertTrue(backend.contains("mode " + binary.backendMode()), parts);
    assertValid(binary, haproxyCfg(frontend, backend + "\n"));

    out.reset();
    assertEquals(0, run("validate", "--haproxy", family(binary), spoe.toString()), out + "\n" + err);
    assertTrue(Files.readString(spoe).contains("check-client-ip"));
  }

  /**
   * A spec with more of what the generator writes: a group sent by a rule, a proc-scope variable
   * (register-var-names), per-message deadlines, no fragmentation (2.6-3.0: no option
   * send-frag-payload) and a unix socket address.
   */
  private static AgentSpec groupsAndProcScope() {
    return AgentSpec.builder("guard")
      .agentName("guard-agent")
      .varPrefix("guard")
      .message(SpoeMessageSpec.builder("score-request")
        .arg("src", "src")
        .arg("host", "req.hdr(host)")
        .event("on-frontend-http-request")
        .sets(Scope.TXN, "score")
        .sets(Scope.PROC, "seen")
        .build())
      .message(SpoeMessageSpec.builder("inspect-body")
        .arg("size", "req.body_size")
        .group("grp-inspect")
        .sets(Scope.REQ, "body_verdict")
        .build())
      .options(new SpoaServerOptions()
        .setUnixSocketPath("/run/spoa/guard.sock")
        .setHandlerTimeout(250)
        .setHandlerTimeout("inspect-body", 1000)
        .setConnectionIdleTimeout(30_000)
        .setFragmentation(false))
      .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("appletVersions")
  void theGenerated26To30OutputIsValidOn26And30(HaproxyBinary binary) throws Exception {
    assertGeneratedOutputValid(binary, HaproxyVersion.V2_6_TO_3_0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("multiplexerVersions")
  void theGenerated31PlusOutputIsValidFrom31On(HaproxyBinary binary) throws Exception {
    assertGeneratedOutputValid(binary, HaproxyVersion.V3_1_PLUS);
  }

  private void assertGeneratedOutputValid(HaproxyBinary binary, HaproxyVersion family) throws Exception {
    AgentSpec spec = groupsAndProcScope();
    HaproxyConfigGenerator gen = HaproxyConfigGenerator.create(family);
    Path spoe = dir.resolve("spoe-guard.conf");
    Files.writeString(spoe, gen.spoeFile(spec));
    assertValid(binary, haproxyCfg(gen.frontendLines(spec, spoe.toString()), gen.backend(spec)));
  }
}
