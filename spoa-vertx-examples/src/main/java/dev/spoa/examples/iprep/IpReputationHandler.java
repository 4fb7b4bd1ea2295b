package dev.spoa.examples.iprep;

import dev.spoa.haproxy.AgentSpec;
import dev.spoa.haproxy.SpoeMessageSpec;
import dev.spoa.handler.SpoaHandler;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.Arg;
import dev.spoa.protocol.Scope;
import io.vertx.core.Future;

import java.util.List;

/**
 * Scores the client address of message {@value #MESSAGE} (argument {@code ip}): 20 for loopback,
 * 10 otherwise, in the session variable {@code ip_score} (HAProxy: {@code sess.<var-prefix>.ip_score}).
 * A real agent would look the address up in a reputation list.
 */
public final class IpReputationHandler implements SpoaHandler {

  public static final String MESSAGE = "check-client-ip";
  public static final String VARIABLE = "ip_score";

  /** What this agent serves, for the HAProxy configuration tooling (generate, validate). */
  public static AgentSpec spec(SpoaServerOptions options) {
    return AgentSpec.builder("iprep")
      .agentName("iprep-agent")
      .varPrefix("iprep")
      .message(SpoeMessageSpec.builder(MESSAGE).arg("ip", "src").event("on-frontend-http-request")
        .sets(Scope.SESS, VARIABLE).build())
      .options(options)
      .build();
  }

  @Override
  public Future<List<Action>> handle(SpoaRequest request) {
    Arg ip = request.message().argOrNull("ip");
    if (ip == null || ip.isNull()) {
      return Future.succeededFuture(List.of()); // no address (e.g. a unix-socket client): no score
    }
    int score = ip.asInetAddress().isLoopbackAddress() ? 20 : 10;
    return Future.succeededFuture(List.of(Action.setVar(Scope.SESS, VARIABLE, score)));
  }
}
