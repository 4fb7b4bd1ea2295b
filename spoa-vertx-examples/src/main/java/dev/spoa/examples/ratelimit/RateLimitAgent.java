package dev.spoa.examples.ratelimit;

import dev.spoa.agent.SpoaAgent;

/**
 * The rate-limit agent: {@code java -cp ip-reputation-agent.jar dev.spoa.examples.ratelimit.RateLimitAgent
 * --conf conf/ratelimit.yaml}. Its counts live in Redis, so any number of these agents behind one
 * HAProxy (or on the nodes of a cluster) enforce one limit together.
 */
public final class RateLimitAgent {

  private RateLimitAgent() {
  }

  public static void main(String[] args) {
    agent().main(args);
  }

  public static SpoaAgent agent() {
    return SpoaAgent.create("rate-limit agent")
      .section("ratelimit")
      .handler(RateLimitHandler.MESSAGE, (vertx, config) -> new RateLimitHandler(vertx, config.section("ratelimit")))
      .haproxyConfig(RateLimitHandler::spec);
  }
}
