package dev.spoa.agent.impl;

import dev.spoa.config.SpoaConfig;
import dev.spoa.handler.SpoaHandler;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Handlers named by class in {@code agent.handlers}: what can serve, and what each mistake says. */
class AgentPartsTest {

  private static final SpoaConfig CONFIG = SpoaConfig.fromJson(new JsonObject());

  /** No constructor arguments. */
  public static final class Plain implements SpoaHandler {
    @Override
    public io.vertx.core.Future<java.util.List<dev.spoa.protocol.Action>> handle(dev.spoa.handler.SpoaRequest r) {
      return io.vertx.core.Future.succeededFuture(java.util.List.of());
    }
  }

  /** Only a constructor the agent cannot call. */
  public static final class NeedsAString implements SpoaHandler {
    public NeedsAString(String s) {
    }

    @Override
    public io.vertx.core.Future<java.util.List<dev.spoa.protocol.Action>> handle(dev.spoa.handler.SpoaRequest r) {
      return io.vertx.core.Future.succeededFuture(java.util.List.of());
    }
  }

  private static String mistake(String className) {
    return assertThrows(IllegalArgumentException.class, () -> AgentParts.instantiate("m", className, CONFIG)).getMessage();
  }

  @Test
  void aHandlerClassIsMadeWithItsConstructor() {
    assertInstanceOf(Plain.class, AgentParts.instantiate("m", Plain.class.getName(), CONFIG));
  }

  @Test
  void eachMistakeNamesTheSetting() {
    assertTrue(mistake("com.example.Missing").equals("agent.handlers.m: class com.example.Missing not found"));
    assertTrue(mistake(String.class.getName()).equals("agent.handlers.m: java.lang.String is not a SpoaHandler"));
    assertTrue(mistake(NeedsAString.class.getName()).endsWith("needs a public constructor taking a SpoaConfig, or none"));
  }
}
