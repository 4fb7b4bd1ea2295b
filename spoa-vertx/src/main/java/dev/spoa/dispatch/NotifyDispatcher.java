package dev.spoa.dispatch;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends each message of a NOTIFY as one event-bus request to the address of its name and gathers
 * the replies, in message order, into the actions of one ACK. The returned future never fails: a
 * message whose handler is missing, fails or misses the deadline contributes no actions (logged
 * once per message name and cause, and counted).
 */
public final class NotifyDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(NotifyDispatcher.class);
  /** Message names come from the network: bound the caches keyed by them. */
  private static final int MAX_CACHED_NAMES = 1024;

  private final EventBus eventBus;
  private final String addressPrefix;
  private final DeliveryOptions delivery;
  private final SpoaMetrics metrics;
  private final Map<String, String> addresses = new ConcurrentHashMap<>();
  private final Set<String> loggedFallbacks = ConcurrentHashMap.newKeySet();

  public NotifyDispatcher(Vertx vertx, String addressPrefix, long deadlineMillis, SpoaMetrics metrics) {
    SpoaCodecs.register(vertx);
    this.eventBus = vertx.eventBus();
    this.addressPrefix = addressPrefix;
    this.delivery = new DeliveryOptions().setSendTimeout(deadlineMillis);
    this.metrics = metrics;
  }

  /** The actions for the ACK of {@code notify}; always succeeds. */
  public Future<List<Action>> dispatch(String engineId, NotifyFrame notify) {
    List<SpoaMessage> messages = notify.messages();
    if (messages.size() == 1) {
      return request(new SpoaRequest(engineId, notify.streamId(), notify.frameId(), messages.get(0)));
    }
    if (messages.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Future<List<Action>>> parts = new ArrayList<>(messages.size());
    for (SpoaMessage m : messages) {
      parts.add(request(new SpoaRequest(engineId, notify.streamId(), notify.frameId(), m)));
    }
    return Future.all(parts).map(all -> {
      List<Action> actions = new ArrayList<>();
      for (Future<List<Action>> part : parts) {
        actions.addAll(part.result());
      }
      return actions;
    });
  }

  private Future<List<Action>> request(SpoaRequest req) {
    String name = req.messageName();
    return eventBus.<Object>request(address(name), req, delivery).transform(ar -> {
      if (ar.succeeded()) {
        Message<Object> reply = ar.result();
        if (reply.body() instanceof SpoaReply r) {
          return Future.succeededFuture(r.actions());
        }
        return fallback(name, FallbackReason.ERROR, "unexpected reply " + typeOf(reply.body()));
      }
      Throwable cause = ar.cause();
      if (cause instanceof ReplyException re) {
        switch (re.failureType()) {
          case NO_HANDLERS:
            return fallback(name, FallbackReason.NO_HANDLER, "no handler registered");
          case TIMEOUT:
            return fallback(name, FallbackReason.TIMEOUT, "no reply within " + delivery.getSendTimeout() + " ms");
          case RECIPIENT_FAILURE:
            return fallback(name, FallbackReason.HANDLER_FAILURE, "handler failed: " + re.getMessage());
          default:
            break;
        }
      }
      return fallback(name, FallbackReason.ERROR, String.valueOf(cause));
    });
  }

  private Future<List<Action>> fallback(String name, FallbackReason reason, String detail) {
    metrics.fallback(name, reason);
    if (loggedFallbacks.size() < MAX_CACHED_NAMES && loggedFallbacks.add(name + '\0' + reason)) {
      LOG.warn("message '{}' answered without its actions ({}): {}; further cases of this kind are only counted",
        name, reason, detail);
    }
    return Future.succeededFuture(List.of());
  }

  private String address(String name) {
    String a = addresses.get(name);
    if (a == null) {
      a = addressPrefix + name;
      if (addresses.size() < MAX_CACHED_NAMES) {
        addresses.put(name, a);
      }
    }
    return a;
  }

  private static String typeOf(Object o) {
    return o == null ? "null" : o.getClass().getName();
  }
}
