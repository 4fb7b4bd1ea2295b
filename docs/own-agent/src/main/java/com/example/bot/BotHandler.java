package com.example.bot;

import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;

/** Scores a request by its User-Agent: none, or one with a listed word, is a bot. */
public final class BotHandler implements SpoaHandler {

  public static final String MESSAGE = "check-request";
  public static final String SCORE = "bot_score";
  public static final String REASON = "reason";

  private final List<String> words;
  private final int botScore;

  /** {@code settings}: the {@code bot} section of the configuration. */
  public BotHandler(JsonObject settings) {
    words = settings.getJsonArray("words", new JsonArray().add("curl").add("bot")).stream()
      .map(w -> String.valueOf(w).toLowerCase(Locale.ROOT)).toList();
    botScore = settings.getInteger("score", 100);
  }

  @Override
  public Future<List<Action>> handle(SpoaRequest request) {
    Arg ua = request.argOrNull("ua"); // HAProxy leaves an argument out when its sample fails
    if (ua == null || ua.isNull()) {
      return verdict(botScore, "no user-agent");
    }
    String agent = ua.asString().toLowerCase(Locale.ROOT);
    for (String word : words) {
      if (agent.contains(word)) {
        return verdict(botScore, "user-agent has '" + word + "'");
      }
    }
    return verdict(0, "ok");
  }

  private static Future<List<Action>> verdict(int score, String reason) {
    return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, SCORE, score), Action.setVar(Scope.TXN, REASON, reason)));
  }
}
