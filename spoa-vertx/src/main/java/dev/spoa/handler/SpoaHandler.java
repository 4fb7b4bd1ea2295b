package dev.spoa.handler;

import dev.spoa.protocol.Action;
import io.vertx.core.Future;

import java.util.List;

/**
 * User code for one message name: reads the arguments and answers with the actions that set or
 * unset HAProxy variables. Runs on the context of the verticle that registered it (an event loop,
 * a worker, or another cluster node), so blocking code belongs in a worker verticle.
 *
 * <pre>{@code
 * SpoaHandler h = req -> Future.succeededFuture(List.of(
 *     Action.setVar(Scope.SESS, "ip_score", req.arg("ip").asInetAddress().isLoopbackAddress() ? 20 : 10)));
 * }</pre>
 *
 * <p>A handler that throws, fails its future or misses the server's deadline still yields an ACK
 * (without its actions), so HAProxy never waits out its {@code timeout processing}.
 */
@FunctionalInterface
public interface SpoaHandler {

  Future<List<Action>> handle(SpoaRequest request);
}
