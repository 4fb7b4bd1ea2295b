package dev.spoa.examples.haproxy;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A Vert.x for the agent and a slot for the HAProxy a test starts; both closed after each test. */
public abstract class HaproxyTestBase {

  protected Vertx vertx;
  protected HaproxyProcess haproxy;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopHaproxyAndVertx() {
    if (haproxy != null) {
      haproxy.close();
    }
    vertx.close().await();
  }
}
