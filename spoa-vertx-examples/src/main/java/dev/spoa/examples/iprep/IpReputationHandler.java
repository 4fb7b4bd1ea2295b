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

  /** The possible answers are few and immutable: built once, shared by every request. */
  private static final Future<List<Action>> NO_SCORE = Future.succeededFuture(List.of());
  private static final Future<List<Action>> LOOPBACK_SCORE = score(20);
  private static final Future<List<Action>> OTHER_SCORE = score(10);

  private static Future<List<Action>> score(int score) {
    return Future.succeededFuture(List.of(Action.setVar(Scope.SESS, VARIABLE, score)));
  }

  @Override
  public Future<List<Action>> handle(SpoaRequest request) {
    Arg ip = request.message().argOrNull("ip");
    if (ip == null || ip.isNull()) {
      return NO_SCORE; // no address (e.g. a unix-socket client): no score
    }
    boolean loopback = switch (ip.type()) {
      case IPV4 -> ip.asIpv4() >>> 24 == 127; // no allocation: a real agent would look the int up
      case IPV6 -> isLoopbackIpv6(ip.asBytes());
      default -> throw new IllegalArgumentException("argument ip is a " + ip.type() + ", not an address (HAProxy: args ip=src)");
    };
    return loopback ? LOOPBACK_SCORE : OTHER_SCORE;
  }

  /** ::1, from the 16 address bytes (no InetAddress to build on every request). */
  private static boolean isLoopbackIpv6(byte[] address) {
    for (int i = 0; i < 15; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[15] == 1;
  }
}
