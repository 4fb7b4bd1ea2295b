package dev.spoa.examples.deploy;

import dev.spoa.examples.haproxy.HaproxyProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spoa-vertx-bom (which users import) names the versions the build tests with: it has no parent,
 * so that importing it pulls in nothing else, and repeats them; this keeps the two in step.
 */
class BomVersionsTest {

  private static String property(String pom, String name) {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
    assertTrue(m.find(), name);
    return m.group(1);
  }

  /** The version given next to {@code artifactId} (the first one in the file). */
  private static String versionOf(String pom, String artifactId) {
    Matcher m = Pattern.compile("<artifactId>" + Pattern.quote(artifactId) + "</artifactId>\\s*<version>([^<]+)</version>")
      .matcher(pom);
    assertTrue(m.find(), artifactId);
    return m.group(1);
  }

  @Test
  void theBomPinsWhatTheBuildUses() throws IOException {
    Path root = HaproxyProcess.confDir().getParent();
    String parent = Files.readString(root.resolve("pom.xml"));
    String bom = Files.readString(root.resolve("spoa-vertx-bom/pom.xml"));
    String project = versionOf(parent, "spoa-vertx-parent");
    assertEquals(project, versionOf(bom, "spoa-vertx-bom"));
    assertEquals(project, versionOf(bom, "spoa-vertx"));
    assertEquals(property(parent, "vertx.version"), versionOf(bom, "vertx-stack-depchain"));
    assertEquals(property(parent, "micrometer.version"), versionOf(bom, "micrometer-bom"));
    assertEquals(property(parent, "slf4j.version"), versionOf(bom, "slf4j-api"));
    assertEquals(versionOf(parent, "logback-classic"), versionOf(bom, "logback-classic"));
    String userProject = Files.readString(root.resolve("docs/own-agent/pom.xml"));
    assertEquals(project, versionOf(userProject, "spoa-vertx-bom"), "docs/own-agent imports this version");
  }
}
