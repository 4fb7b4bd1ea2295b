package com.example.bot;

import dev.spoa.agent.SpoaAgent;
import dev.spoa.haproxy.AgentSpec;
import dev.spoa.haproxy.SpoeMessageSpec;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;

/** java -jar bot-agent.jar --conf bot.yaml; java -jar bot-agent.jar haproxy-config generate */
public final class BotAgent {

  public static void main(String[] args) {
    agent().main(args);
  }

  /** The agent: its own settings section, its handler, and what HAProxy must send it. */
  public static SpoaAgent agent() {
    return SpoaAgent.create("bot agent")
      .section("bot")
      .handler(BotHandler.MESSAGE, config -> new BotHandler(config.section("bot")))
      .haproxyConfig(BotAgent::spec);
  }

  static AgentSpec spec(SpoaServerOptions options) {
    return AgentSpec.builder("bot").agentName("bot-agent").varPrefix("bot")
      .message(SpoeMessageSpec.builder(BotHandler.MESSAGE)
        .arg("ip", "src").arg("ua", "req.hdr(user-agent)")
        .event("on-frontend-http-request")
        .sets(Scope.TXN, BotHandler.SCORE).sets(Scope.TXN, BotHandler.REASON)
        .build())
      .options(options)
      .build();
  }
}
