package dev.spoa.agent.impl;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The short forms an operator types, expanded to the settings they stand for. */
class CommandLineTest {

  @Test
  void shortFormsBecomeSettings() {
    CommandLine c = CommandLine.parse(new String[] {"--conf", "conf/spoa.yaml", "--port", "12346", "--role=handler",
      "--worker-pool-size", "4", "--clustered", "--cluster-members", "127.0.0.1:5701,127.0.0.1:5702",
      "--metrics.port=9091", "--bot.threshold=5"});
    assertEquals(Path.of("conf/spoa.yaml"), c.confFile());
    assertEquals(List.of("--spoa.port=12346", "--agent.role=handler", "--agent.workerPoolSize=4",
      "--cluster.enabled=true", "--cluster.members=127.0.0.1:5701,127.0.0.1:5702", "--metrics.port=9091",
      "--bot.threshold=5"), c.configArgs());
    assertFalse(c.help());
  }

  @Test
  void everyShortFormNamesAKnownSetting() {
    CommandLine.SHORT_FORMS.forEach((name, key) -> {
      CommandLine c = CommandLine.parse(new String[] {"--" + name + "=x"});
      assertEquals(List.of("--" + key + "=x"), c.configArgs(), name);
    });
    assertTrue(CommandLine.parse(new String[] {"-h"}).help());
  }

  @Test
  void mistakesNameTheArgumentAndShowTheUsage() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
      () -> CommandLine.parse(new String[] {"--prot", "1"}));
    assertTrue(unknown.getMessage().startsWith("unknown option --prot\nusage:"), unknown.getMessage());
    IllegalArgumentException noValue = assertThrows(IllegalArgumentException.class,
      () -> CommandLine.parse(new String[] {"--port"}));
    assertTrue(noValue.getMessage().startsWith("--port needs a value"), noValue.getMessage());
    IllegalArgumentException setting = assertThrows(IllegalArgumentException.class,
      () -> CommandLine.parse(new String[] {"--spoa.port", "1"}));
    assertTrue(setting.getMessage().contains("settings are written --spoa.port=<value>"), setting.getMessage());
    IllegalArgumentException stray = assertThrows(IllegalArgumentException.class,
      () -> CommandLine.parse(new String[] {"12345"}));
    assertTrue(stray.getMessage().startsWith("unexpected argument '12345'"), stray.getMessage());
  }
}
