package dev.spoa.examples.ownagent;

import dev.spoa.examples.haproxy.HaproxyProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/own-agent.md shows the code that {@link OwnAgentIT} builds and runs, so the page cannot rot. */
class OwnAgentPageTest {

  @Test
  void everyCodeBlockOfThePageIsInTheFileItNames() throws IOException {
    Path root = HaproxyProcess.confDir().getParent();
    String page = Files.readString(root.resolve("docs/own-agent.md"));
    // each block follows a line naming its file: `docs/own-agent/<path>`
    Matcher m = Pattern.compile("`(docs/own-agent/[^`]+)`[^\\n]*\\n+```[a-z]*\\n(.*?)```", Pattern.DOTALL).matcher(page);
    int blocks = 0;
    while (m.find()) {
      String name = m.group(1);
      String block = m.group(2);
      assertTrue(Files.readString(root.resolve(name)).contains(block), () -> name + " no longer holds the page's block:\n" + block);
      blocks++;
    }
    assertTrue(blocks >= 5, "the page shows the build, the handler, the main, the configuration and the test: " + blocks);
  }
}
