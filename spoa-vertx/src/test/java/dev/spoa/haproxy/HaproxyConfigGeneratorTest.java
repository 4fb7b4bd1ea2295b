package dev.spoa.haproxy;

import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HaproxyConfigGeneratorTest {

  private static final HaproxyConfigGenerator V26 = HaproxyConfigGenerator.create(HaproxyVersion.V2_6_TO_3_0);
  private static final HaproxyConfigGenerator V31 = HaproxyConfigGenerator.create(HaproxyVersion.V3_1_PLUS);

  @Test
  void ipReputationSpoeFileFor26() {
    String spoe = V26.spoeFile(TestSpecs.ipRep());
    List<String> lines = directives(spoe);
    assertEquals(List.of(
      "[iprep]",
      "spoe-agent iprep-agent",
      "messages check-client-ip",
      "option var-prefix iprep",
      "option set-on-error error",
      "option continue-on-error",
      "timeout processing 500ms",
      "timeout hello 2s",
      "timeout idle 2m",
      "use-backend spoe-iprep",
      "spoe-message check-client-ip",
      "args ip=src",
      "event on-frontend-http-request"), lines);
  }

  @Test
  void ipReputationBackendAndFrontend() {
    AgentSpec spec = TestSpecs.ipRep();
    assertEquals(List.of(
      "backend spoe-iprep",
      "mode tcp",
      "balance roundrobin",
      "timeout connect 5s",
      "timeout server 3m",
      "option spop-check",
      "server agent1 127.0.0.1:12345 check inter 2s"), directives(V26.backend(spec)));
    assertEquals("    filter spoe engine iprep config /etc/haproxy/spoe-iprep.conf\n",
      V26.frontendLines(spec, "/etc/haproxy/spoe-iprep.conf"));
  }

  @Test
  void procScopeUnixSocketGroupAndDeadlines() {
    AgentSpec spec = TestSpecs.statsUnix();
    List<String> spoe = directives(V26.spoeFile(spec));
    assertTrue(spoe.contains("messages count-request"), spoe::toString);
    assertTrue(spoe.contains("groups grp-body"), spoe::toString);
    assertTrue(spoe.contains("register-var-names requests"), spoe::toString);
    assertTrue(spoe.contains("no option send-frag-payload"), spoe::toString);
    // the largest deadline is check-body's own 1500 ms: processing strictly above it
    assertTrue(spoe.contains("timeout processing 1600ms"), spoe::toString);
    // agent's idle timeout 60 s: HAProxy closes idle connections first
    assertTrue(spoe.contains("timeout idle 30s"), spoe::toString);
    assertTrue(spoe.contains("spoe-group grp-body"), spoe::toString);
    int body = spoe.indexOf("spoe-message check-body");
    assertEquals("args len=req.body_size", spoe.get(body + 1));
    assertFalse(spoe.subList(body, spoe.size()).stream().anyMatch(l -> l.startsWith("event")), "a group message has no event");
    List<String> backend = directives(V26.backend(spec));
    assertTrue(backend.contains("server agent1 unix@/run/spoa/stats.sock check inter 2s"), backend::toString);
    assertTrue(backend.contains("timeout server 90s"), backend::toString);
    assertEquals("    filter spoe engine stats config /x/spoe.conf\n    http-request send-spoe-group stats grp-body\n",
      V26.frontendLines(spec, "/x/spoe.conf"));
  }

  @Test
  void processingMarginIsStrictlyAboveTheLargestDeadline() {
    AgentSpec spec = TestSpecs.statsUnix();
    assertEquals(1600, V26.processingTimeout(spec));
    HaproxyConfigGenerator tight = HaproxyConfigGenerator.create(HaproxyVersion.V2_6_TO_3_0).processingMargin(1);
    assertEquals(1501, tight.processingTimeout(spec));
    assertTrue(directives(tight.spoeFile(spec)).contains("timeout processing 1501ms"));
    assertThrows(IllegalArgumentException.class, () -> tight.processingMargin(0));
  }

  @Test
  void family31UsesModeSpopAndNoHelloIdle() {
    // The installed HAProxy is 2.6, which rejects "mode spop": the 3.1+ output is checked structurally.
    AgentSpec spec = TestSpecs.statsUnix();
    List<String> spoe = directives(V31.spoeFile(spec));
    assertTrue(spoe.contains("timeout processing 1600ms"), spoe::toString);
    assertFalse(spoe.stream().anyMatch(l -> l.startsWith("timeout hello") || l.startsWith("timeout idle")), spoe::toString);
    assertFalse(spoe.contains("no option send-frag-payload"), "3.x never fragments");
    assertTrue(spoe.contains("register-var-names requests"), spoe::toString);
    List<String> backend = directives(V31.backend(spec));
    assertTrue(backend.contains("mode spop"), backend::toString);
    assertFalse(backend.contains("mode tcp"), backend::toString);
    assertTrue(backend.contains("option spop-check"), backend::toString);
    // timeout server is the idle value (HAProxy 3.2 keeps idle pooled connections past it; the agent closes them)
    assertTrue(backend.contains("timeout server 30s"), backend::toString);
    assertTrue(backend.contains("server agent1 unix@/run/spoa/stats.sock check inter 2s"), backend::toString);
  }

  @Test
  void haproxy26AcceptsTheIpReputationOutput(@TempDir Path dir) throws Exception {
    AgentSpec spec = TestSpecs.ipRep();
    TestSpecs.Check c = TestSpecs.haproxyCheck(dir, V26.spoeFile(spec), path -> V26.frontendLines(spec, path), V26.backend(spec));
    assertEquals(0, c.exitCode(), c.output());
    assertTrue(c.output().contains("Configuration file is valid"), c.output());
    assertFalse(c.output().contains("[WARNING]"), c.output());
  }

  @Test
  void haproxy26AcceptsTheProcScopeUnixSocketOutput(@TempDir Path dir) throws Exception {
    AgentSpec spec = TestSpecs.statsUnix();
    TestSpecs.Check c = TestSpecs.haproxyCheck(dir, V26.spoeFile(spec), path -> V26.frontendLines(spec, path), V26.backend(spec));
    assertEquals(0, c.exitCode(), c.output());
    assertTrue(c.output().contains("Configuration file is valid"), c.output());
    assertFalse(c.output().contains("[WARNING]"), c.output());
  }

  @Test
  void haproxy26RejectsThe31Backend(@TempDir Path dir) throws Exception {
    // Shows the families differ and that the haproxy -c check can fail: 2.6 rejects mode spop.
    AgentSpec spec = TestSpecs.ipRep();
    TestSpecs.Check c = TestSpecs.haproxyCheck(dir, V31.spoeFile(spec), path -> V31.frontendLines(spec, path), V31.backend(spec));
    assertNotEquals(0, c.exitCode(), c.output());
    assertTrue(c.output().contains("spop"), c.output());
  }

  @Test
  void specRejectsNamesHaproxyWouldRejectOrTruncate() {
    SpoeMessageSpec m = SpoeMessageSpec.builder("m").event("on-frontend-http-request")
      .sets(Scope.SESS, "a_rather_long_variable_name_for_the_agent_0123456789").build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> AgentSpec.builder("e").varPrefix("prefix").message(m).build());
    assertTrue(e.getMessage().contains("63"), e.getMessage());
    // default prefix = engine name, which must then be a valid prefix
    SpoeMessageSpec ok = SpoeMessageSpec.builder("m").event("on-frontend-http-request").build();
    assertThrows(IllegalArgumentException.class, () -> AgentSpec.builder("ip-rep").message(ok).build());
    assertEquals("iprep", AgentSpec.builder("iprep").message(ok).build().varPrefix());
    assertThrows(IllegalArgumentException.class, () -> AgentSpec.builder("e").varPrefix("a-b"));
    assertThrows(IllegalArgumentException.class, () -> AgentSpec.builder("e").build(), "no message");
    assertThrows(IllegalArgumentException.class, () -> SpoeMessageSpec.builder("m").build(), "no event nor group");
    assertThrows(IllegalArgumentException.class, () -> SpoeMessageSpec.builder("m").event("on-request"));
    assertThrows(IllegalArgumentException.class, () -> SpoeMessageSpec.builder("m").arg("ip", "src ip"));
    // fallback variable of the options counts as a variable the agent sets
    AgentSpec withFallback = AgentSpec.builder("e").message(ok)
      .options(new SpoaServerOptions().setFallbackVariable("proc.err")).build();
    assertTrue(directives(V26.spoeFile(withFallback)).contains("register-var-names err"));
  }

  @Test
  void wildcardListenHostBecomesLoopback() {
    SpoeMessageSpec ok = SpoeMessageSpec.builder("m").event("on-frontend-http-request").build();
    AgentSpec spec = AgentSpec.builder("e").message(ok).options(new SpoaServerOptions().setHost("0.0.0.0").setPort(9000)).build();
    assertEquals("127.0.0.1:9000", spec.serverAddress());
    assertEquals("[::1]:12345", AgentSpec.builder("e").message(ok).options(new SpoaServerOptions().setHost("::")).build().serverAddress());
    assertEquals("spoa.internal:7000", AgentSpec.builder("e").message(ok).tcpAddress("spoa.internal", 7000).build().serverAddress());
  }

  @Test
  void versionParsing() {
    assertEquals(HaproxyVersion.V2_6_TO_3_0, HaproxyVersion.parse("2.6"));
    assertEquals(HaproxyVersion.V2_6_TO_3_0, HaproxyVersion.parse("2.6.12"));
    assertEquals(HaproxyVersion.V2_6_TO_3_0, HaproxyVersion.parse("3.0"));
    assertEquals(HaproxyVersion.V3_1_PLUS, HaproxyVersion.parse("3.1"));
    assertEquals(HaproxyVersion.V3_1_PLUS, HaproxyVersion.parse("3.2.0"));
    assertEquals(HaproxyVersion.V3_1_PLUS, HaproxyVersion.parse("v3_1_plus"));
    assertThrows(IllegalArgumentException.class, () -> HaproxyVersion.parse("2.4"));
    assertThrows(IllegalArgumentException.class, () -> HaproxyVersion.parse("latest"));
  }

  /** The non-comment lines, trimmed, without trailing comments. */
  static List<String> directives(String text) {
    return text.lines()
      .map(l -> l.replaceAll("\\s+#.*$", "").strip())
      .filter(l -> !l.isEmpty() && !l.startsWith("#"))
      .map(l -> l.replaceAll("\\s+", " "))
      .toList();
  }
}
