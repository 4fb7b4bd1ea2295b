package dev.spoa.dispatch;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.Variable;
import dev.spoa.server.SpoaServerOptions;
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
 * message whose handler is missing, fails or misses its deadline contributes no actions, or only
 * the fallback variable when one is configured (logged once per message name and cause, and
 * counted).
 */
public final class NotifyDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(NotifyDispatcher.class);
  /** Message names come from the network: bound the caches keyed by them. */
  private static final int MAX_CACHED_NAMES = 1024;

  private final EventBus eventBus;
  private final SpoaServerOptions options;
  private final SpoaMetrics metrics;
  /** Per message name: its address and deadline. */
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final Set<String> loggedFallbacks = ConcurrentHashMap.newKeySet();
  /** The fallback variable's action for each reason, or empty lists when none is configured. */
  private final List<List<Action>> fallbackActions = new ArrayList<>();

  private record Route(String address, DeliveryOptions delivery) {
  }

  public NotifyDispatcher(Vertx vertx, SpoaServerOptions options, SpoaMetrics metrics) {
    SpoaCodecs.register(vertx);
    this.eventBus = vertx.eventBus();
    this.options = options;
    this.metrics = metrics;
    Variable fallback = options.getFallbackVariable() == null ? null : Variable.parse(options.getFallbackVariable());
    for (FallbackReason reason : FallbackReason.values()) {
      fallbackActions.add(fallback == null ? List.of() : List.of(fallback.set(reason.code())));
    }
  }

  /**
   * The answer to a NOTIFY that is not dispatched because the global in-flight cap is reached:
   * every message falls back with reason OVERLOAD.
   */
  public List<Action> overloaded(NotifyFrame notify) {
    List<Action> actions = List.of();
    for (SpoaMessage m : notify.messages()) {
      actions = fallback(m.name(), FallbackReason.OVERLOAD, "global in-flight cap of " + options.getMaxInFlight()
        + " reached").result();
    }
    return actions;
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
      boolean fallbackSet = false;
      for (Future<List<Action>> part : parts) {
        List<Action> partActions = part.result();
        boolean isFallback = !partActions.isEmpty() && isFallbackList(partActions);
        if (!isFallback || !fallbackSet) { // the fallback variable once per ACK, with the first reason
          actions.addAll(partActions);
          fallbackSet |= isFallback;
        }
      }
      return actions;
    });
  }

  private Future<List<Action>> request(SpoaRequest req) {
    String name = req.messageName();
    Route route = route(name);
    long start = System.nanoTime();
    return eventBus.<Object>request(route.address(), req, route.delivery()).transform(ar -> {
      if (ar.succeeded()) {
        Message<Object> reply = ar.result();
        if (reply.body() instanceof SpoaReply r) {
          metrics.messageHandled(name, System.nanoTime() - start);
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
            return fallback(name, FallbackReason.TIMEOUT, "no reply within " + route.delivery().getSendTimeout() + " ms");
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
    return Future.succeededFuture(fallbackActions.get(reason.ordinal()));
  }

  private boolean isFallbackList(List<Action> list) {
    for (List<Action> f : fallbackActions) {
      if (f == list) {
        return true;
      }
    }
    return false;
  }

  private Route route(String name) {
    Route r = routes.get(name);
    if (r == null) {
      r = new Route(options.getHandlerAddressPrefix() + name,
        new DeliveryOptions().setSendTimeout(options.getHandlerTimeout(name)));
      if (routes.size() < MAX_CACHED_NAMES) {
        routes.put(name, r);
      }
    }
    return r;
  }

  private static String typeOf(Object o) {
    return o == null ? "null" : o.getClass().getName();
  }
}
