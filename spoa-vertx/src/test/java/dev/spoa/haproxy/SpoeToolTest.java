package dev.spoa.haproxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoeToolTest {

  /** Exit code and both streams of one run. */
  record Result(int code, String out, String err) {
  }

  static Result run(AgentSpec spec, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SpoeTool.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), spec);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Result run(String... args) {
    return run(TestSpecs.ipRep(), args);
  }

  @Test
  void generatePrintsAllPartsFor26ByDefault() {
    Result r = run("generate");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().contains("# ---- /etc/haproxy/spoe-iprep.conf ----\n"), r.out());
    assertTrue(r.out().contains("[iprep]\nspoe-agent iprep-agent\n"), r.out());
    assertTrue(r.out().contains("    timeout hello 2s\n"), r.out());
    assertTrue(r.out().contains("#    filter spoe engine iprep config /etc/haproxy/spoe-iprep.conf\n"), r.out());
    assertTrue(r.out().contains("backend spoe-iprep\n    mode tcp\n"), r.out());
  }

  @Test
  void generateFor31() {
    Result r = run("generate", "--haproxy", "3.1", "--spoe-path", "/opt/spoe.conf");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("    mode spop\n"), r.out());
    assertFalse(r.out().contains("timeout hello"), r.out());
    assertTrue(r.out().contains("filter spoe engine iprep config /opt/spoe.conf"), r.out());
  }

  @Test
  void generateToDirectoryThenValidateIsClean(@TempDir Path dir) throws Exception {
    AgentSpec spec = TestSpecs.statsUnix();
    Result g = run(spec, "generate", "--out", dir.toString());
    assertEquals(0, g.code(), g.err());
    Path spoe = dir.resolve("spoe-stats.conf");
    Path cfg = dir.resolve("haproxy-stats.cfg");
    assertTrue(g.out().contains("wrote " + spoe), g.out());
    assertTrue(g.out().contains("filter spoe engine stats config " + spoe.toAbsolutePath()), g.out());
    assertTrue(Files.readString(cfg).contains("server agent1 unix@/run/spoa/stats.sock"));
    Result v = run(spec, "validate", spoe.toString());
    assertEquals(0, v.code(), v.out());
    assertEquals(spoe + ": 0 error(s), 0 warning(s) for engine stats (HAProxy 2.6-3.0)\n", v.out());
  }

  @Test
  void validateShippedFileIsClean() {
    Result r = run("validate", Path.of("..", "conf", "spoe-iprep.conf").toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().endsWith("0 error(s), 0 warning(s) for engine iprep (HAProxy 2.6-3.0)\n"), r.out());
  }

  @Test
  void validateReportsFindingsWithLinesAndExitsOne(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.conf");
    Files.writeString(f, SpoeConfigValidatorTest.GOOD.replace("args ip=src", "args src")
      .replace("timeout processing 500ms", "timeout processing 300ms"));
    Result r = run("validate", f.toString());
    assertEquals(1, r.code());
    assertEquals(List.of(
      f + ":6: ERROR processing-timeout-too-low: timeout processing (300 ms) is not above the agent's 400 ms deadline"
        + " for check-client-ip: HAProxy gives up before the agent's answer or fallback ACK arrives",
      f + ":10: ERROR missing-arg: spoe-message check-client-ip lacks the argument ip the handler expects (e.g. 'args ip=src')",
      f + ": 2 error(s), 0 warning(s) for engine iprep (HAProxy 2.6-3.0)"), r.out().lines().toList());
  }

  @Test
  void warningsFailOnlyWithStrict(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("warn.conf");
    Files.writeString(f, SpoeConfigValidatorTest.GOOD.replace("    timeout hello 2s\n", ""));
    Result lenient = run("validate", f.toString());
    assertEquals(0, lenient.code());
    assertTrue(lenient.out().contains(":2: WARNING timeout-missing: no timeout hello"), lenient.out());
    assertEquals(1, run("validate", "--strict", f.toString()).code());
    // 3.1+ does not use timeout hello: no warning at all
    Result v31 = run("validate", "--haproxy", "3.2", "--strict", f.toString());
    assertEquals(0, v31.code(), v31.out());
  }

  @Test
  void badArguments(@TempDir Path dir) {
    Result none = run();
    assertEquals(2, none.code());
    assertTrue(none.err().startsWith("missing command\nusage: "), none.err());
    Result unknown = run("frobnicate");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().startsWith("unknown command 'frobnicate'\nusage: "), unknown.err());
    assertEquals("", unknown.out());
    Result oldVersion = run("generate", "--haproxy", "2.4");
    assertEquals(2, oldVersion.code());
    assertTrue(oldVersion.err().startsWith("--haproxy: HAProxy 2.4 is not supported"), oldVersion.err());
    Result noValue = run("generate", "--haproxy");
    assertEquals(2, noValue.code());
    assertTrue(noValue.err().startsWith("--haproxy needs a value"), noValue.err());
    assertEquals(2, run("generate", "--bogus").code());
    assertEquals(2, run("generate", "--spoe-path", "/path with blank").code());
    Result noFile = run("validate");
    assertEquals(2, noFile.code());
    assertTrue(noFile.err().startsWith("validate takes exactly one SPOE file, got 0"), noFile.err());
    assertEquals(2, run("validate", "a.conf", "b.conf").code());
    assertEquals(2, run("validate", "--nope", "a.conf").code());
    Result missing = run("validate", dir.resolve("absent.conf").toString());
    assertEquals(3, missing.code());
    assertTrue(missing.err().contains("no such file"), missing.err());
    Result help = run("help");
    assertEquals(0, help.code());
    assertTrue(help.out().startsWith("usage: generate"), help.out());
  }
}
