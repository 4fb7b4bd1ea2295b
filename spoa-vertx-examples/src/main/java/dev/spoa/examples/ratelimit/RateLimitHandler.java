package dev.spoa.examples.ratelimit;

import dev.spoa.haproxy.AgentSpec;
import dev.spoa.haproxy.SpoeMessageSpec;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A per-client rate limit with its counts in Redis, so that every agent node (and every handler
 * instance) counts against the same limit: message {@value #MESSAGE} (argument {@code ip}) adds one
 * to the client's count and sets {@code txn.<var-prefix>.count} and {@code txn.<var-prefix>.limited}.
 * A client's window starts with its first request: {@code INCR} then {@code EXPIRE ... NX} (Redis
 * 7.0+) in one round trip, so the key gets its lifetime once and no request can leave it without one.
 *
 * <p>The Redis call is asynchronous (vertx-redis-client): the event loop never waits for it. When
 * Redis does not answer within {@code timeout} ms, or cannot be reached, the request is let through
 * ("fail open") with {@code txn.<var-prefix>.error} set to {@value #REDIS_UNAVAILABLE}, well inside
 * the agent's deadline; the outage is logged once, and its end once.
 *
 * <p>Settings, section {@code ratelimit}: {@code redis} (connection string, default
 * {@code redis://127.0.0.1:6379}), {@code limit} (requests per window, default 100), {@code window}
 * (seconds, default 10), {@code timeout} (ms, default 100).
 */
public final class RateLimitHandler implements SpoaHandler, AutoCloseable {

  public static final String MESSAGE = "check-rate";
  public static final String COUNT = "count";
  public static final String LIMITED = "limited";
  public static final String ERROR = "error";
  public static final String REDIS_UNAVAILABLE = "redis-unavailable";

  private static final Logger LOG = LoggerFactory.getLogger(RateLimitHandler.class);

  private final Redis redis;
  private final String redisUrl;
  private final long limit;
  private final long windowSeconds;
  private final long timeoutMillis;
  private final AtomicBoolean redisDown = new AtomicBoolean();

  public RateLimitHandler(Vertx vertx, JsonObject settings) {
    redisUrl = settings.getString("redis", "redis://127.0.0.1:6379");
    limit = settings.getLong("limit", 100L);
    windowSeconds = settings.getLong("window", 10L);
    timeoutMillis = settings.getLong("timeout", 100L);
    if (limit < 1 || windowSeconds < 1 || timeoutMillis < 1) {
      throw new IllegalArgumentException("ratelimit.limit, .window and .timeout must be at least 1");
    }
    // a bounded pool and queue: with Redis slow or gone, requests fail fast instead of piling up
    redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl)
      .setMaxPoolSize(8).setMaxPoolWaiting(256));
  }

  /** What this agent serves, for the HAProxy configuration tooling (generate, validate). */
  public static AgentSpec spec(SpoaServerOptions options) {
    return AgentSpec.builder("rl").agentName("rl-agent").varPrefix("rl")
      .message(SpoeMessageSpec.builder(MESSAGE).arg("ip", "src").event("on-frontend-http-request")
        .sets(Scope.TXN, COUNT).sets(Scope.TXN, LIMITED).sets(Scope.TXN, ERROR).build())
      .options(options)
      .build();
  }


  @Override
  public Future<List<Action>> handle(SpoaRequest request) {
    Arg ip = request.argOrNull("ip");
    if (ip == null || ip.isNull()) {
      return Future.succeededFuture(List.of()); // no client address (a unix-socket client): not limited
    }
    String key = "spoa:rl:" + ip.asInetAddress().getHostAddress();
    return redis.batch(List.of(Request.cmd(Command.INCR).arg(key),
        Request.cmd(Command.EXPIRE).arg(key).arg(windowSeconds).arg("NX")))
      .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
      .map(this::verdict)
      .recover(this::failOpen);
  }

  private List<Action> verdict(List<Response> responses) {
    if (redisDown.compareAndSet(true, false)) {
      LOG.info("Redis at {} answers again: requests are counted", redisUrl);
    }
    long count = responses.get(0).toLong();
    return List.of(Action.setVar(Scope.TXN, COUNT, count), Action.setVar(Scope.TXN, LIMITED, count > limit));
  }

  private Future<List<Action>> failOpen(Throwable cause) {
    if (redisDown.compareAndSet(false, true)) {
      LOG.warn("Redis at {} does not answer ({}): requests are let through uncounted, with txn.<var-prefix>.{}={},"
        + " until it does", redisUrl, cause.toString(), ERROR, REDIS_UNAVAILABLE);
    }
    return Future.succeededFuture(List.of(Action.setVar(Scope.TXN, LIMITED, false),
      Action.setVar(Scope.TXN, ERROR, REDIS_UNAVAILABLE)));
  }

  @Override
  public void close() {
    redis.close();
  }
}
