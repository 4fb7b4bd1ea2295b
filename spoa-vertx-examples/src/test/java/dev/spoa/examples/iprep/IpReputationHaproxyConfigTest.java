package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.haproxy.SpoeTool;
import dev.spoa.server.SpoaServerOptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's own HAProxy tooling: the shipped SPOE file matches the handler, the generated one too. */
class IpReputationHaproxyConfigTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return SpoeTool.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), IpReputationHandler.spec(new SpoaServerOptions()));
  }

  @Test
  void theShippedSpoeFileValidatesAgainstTheHandler() {
    int code = run("validate", HaproxyProcess.confDir().resolve("spoe-iprep.conf").toString());
    assertEquals(0, code, out + "\n" + err);
  }

  @Test
  void aGeneratedConfigurationValidatesToo() throws Exception {
    Path dir = Files.createTempDirectory("spoe-gen");
    assertEquals(0, run("generate", "--haproxy", "2.6", "--out", dir.toString()), err.toString());
    try (var files = Files.list(dir)) {
      List<Path> written = files.toList();
      Path spoe = written.stream().filter(p -> p.toString().endsWith(".conf")).findFirst().orElseThrow(
        () -> new AssertionError("no SPOE file in " + written));
      out.reset();
      assertEquals(0, run("validate", spoe.toString()), out + "\n" + err);
      assertTrue(Files.readString(spoe).contains("check-client-ip"));
    }
  }
}
