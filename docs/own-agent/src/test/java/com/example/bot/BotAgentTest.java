package com.example.bot;

import dev.spoa.agent.RunningAgent;
import dev.spoa.protocol.AckFrame;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.TypedValue;
import dev.spoa.testing.SpopTestClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The whole agent on a free port, and a fake HAProxy (the test kit's SpopTestClient) in front. */
class BotAgentTest {

  @Test
  void curlIsABotAndABrowserIsNot() {
    RunningAgent agent = BotAgent.agent()
      .start("--port=0", "--metrics.enabled=false", "--bot.score=90").await();
    Vertx vertx = Vertx.vertx();
    try {
      SpopTestClient haproxy = SpopTestClient.connect(vertx, agent.servers().get(0).actualPort(), "127.0.0.1").await();
      haproxy.hello().await();
      AckFrame curl = haproxy.notify(SpoaMessage.of(BotHandler.MESSAGE,
        Arg.of("ua", TypedValue.ofString("curl/7.88.1")))).await();
      assertEquals(List.of(Action.setVar(Scope.TXN, "bot_score", 90), Action.setVar(Scope.TXN, "reason", "user-agent has 'curl'")),
        curl.actions());
      AckFrame browser = haproxy.notify(SpoaMessage.of(BotHandler.MESSAGE,
        Arg.of("ua", TypedValue.ofString("Mozilla/5.0")))).await();
      assertEquals(Action.setVar(Scope.TXN, "bot_score", 0), browser.actions().get(0));
    } finally {
      vertx.close().await();
      agent.close().await();
    }
  }
}
