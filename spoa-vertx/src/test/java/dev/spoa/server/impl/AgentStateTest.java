package dev.spoa.server.impl;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class AgentStateTest {

  @Test
  void oneStatePerVertxInstanceSharedByAllItsServers() {
    Vertx a = Vertx.vertx();
    Vertx b = Vertx.vertx();
    try {
      AgentState ofA = AgentState.of(a);
      assertSame(ofA, AgentState.of(a), "every server of one instance shares the caps and the engines");
      assertNotSame(ofA, AgentState.of(b), "another instance (another agent in the same JVM) counts on its own");
    } finally {
      a.close().await();
      b.close().await();
    }
  }
}
