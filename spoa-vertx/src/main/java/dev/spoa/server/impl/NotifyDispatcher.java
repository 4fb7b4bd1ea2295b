package dev.spoa.server.impl;

import dev.spoa.handler.SpoaReply;
import dev.spoa.handler.SpoaRequest;
import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.SpoaMetrics;
import dev.spoa.protocol.Action;
import dev.spoa.protocol.NotifyFrame;
import dev.spoa.protocol.SpoaMessage;
import dev.spoa.protocol.Variable;
import dev.spoa.handler.impl.LocalCall;
import dev.spoa.handler.impl.LocalHandlers;
import dev.spoa.handler.impl.SpoaCodecs;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageProducer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Sends each message of a NOTIFY over the event bus to the address of its name and gathers the
 * answers, in message order, into the actions of one ACK. A message whose handler was registered in
 * this (not clustered) Vert.x instance through {@code SpoaHandlers} travels as a {@link LocalCall},
 * one local message that carries its own way back; any other as a request and its reply; with
 * {@code directDispatch}, a handler registered in this instance is called without the event bus.
 * The returned future never fails: a message whose handler is missing, fails or misses its
 * deadline contributes no actions, or only the fallback variable when one is configured (logged
 * once per message name and cause, and counted).
 */
final class NotifyDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(NotifyDispatcher.class);
  /** Message names come from the network: bound the caches keyed by them. */
  private static final int MAX_CACHED_NAMES = 1024;
  /** Direct-call deadlines are nanoTime values: a "practically infinite" timeout is capped at a day. */
  private static final long MAX_DIRECT_TIMEOUT_MILLIS = TimeUnit.DAYS.toMillis(1);
  /** Requests a hedged message may add to its first: bounds the load a slow handler gets. */
  private static final int MAX_HEDGES = 2;

  /** How a local call travels: to this JVM's consumers only, with the codec that hands the instance over. */
  private static final DeliveryOptions LOCAL_CALL = new DeliveryOptions().setLocalOnly(true)
    .setCodecName(LocalCall.CODEC_NAME);

  private final EventBus eventBus;
  private final LocalHandlers localHandlers;
  /**
   * Clustered, the event bus may pick another node's consumer of a name that also has local ones,
   * and only requests reach other nodes: local calls are for an instance that is not clustered.
   */
  private final boolean localCalls;
  private final SpoaMetrics metrics;
  private final Set<String> loggedFallbacks = ConcurrentHashMap.newKeySet();
  /** Replaced whole when the options change, so that a dispatch sees one consistent set. */
  private volatile Settings settings;

  /**
   * @param hedgeNanos when a message without an answer is sent again (0: never)
   * @param localSender sends local calls to the address
   */
  private record Route(String address, DeliveryOptions delivery, long timeoutNanos, long hedgeNanos,
                       MessageProducer<LocalCall> localSender) {
  }

  /** The settings and what is derived from them: routes per message name, fallback actions per reason. */
  private record Settings(DispatchSettings base, Map<String, Route> routes, List<List<Action>> fallbackActions) {

    static Settings of(DispatchSettings options) {
      Variable fallback = options.fallbackVariable() == null ? null : Variable.parse(options.fallbackVariable());
      List<List<Action>> actions = new ArrayList<>();
      for (FallbackReason reason : FallbackReason.values()) {
        actions.add(fallback == null ? List.of() : List.of(fallback.set(reason.code())));
      }
      return new Settings(options, new ConcurrentHashMap<>(), actions);
    }
  }

  NotifyDispatcher(Vertx vertx, DispatchSettings options, SpoaMetrics metrics) {
    SpoaCodecs.register(vertx);
    this.eventBus = vertx.eventBus();
    this.localHandlers = LocalHandlers.of(vertx);
    this.localCalls = !vertx.isClustered();
    this.metrics = metrics;
    this.settings = Settings.of(options);
  }

  /** Deadlines and the fallback variable of new dispatches follow {@code options} from now on. */
  void update(DispatchSettings options) {
    settings = Settings.of(options);
  }

  /**
   * The answer to a NOTIFY that is not dispatched because the global in-flight cap is reached:
   * every message falls back with reason OVERLOAD.
   */
  List<Action> overloaded(String engineId, NotifyFrame notify) {
    Settings current = settings;
    List<Action> actions = List.of();
    for (SpoaMessage m : notify.messages()) {
      actions = fallback(current, new SpoaRequest(engineId, notify.streamId(), notify.frameId(), m),
        FallbackReason.OVERLOAD, "global in-flight cap of "
        + current.base().maxInFlight() + " reached").result();
    }
    return actions;
  }

  /**
   * The actions for the ACK of {@code notify}; always succeeds. Called on the connection's context;
   * {@code deadlines} are the connection's, for direct calls.
   */
  Future<List<Action>> dispatch(String engineId, NotifyFrame notify, Deadlines deadlines) {
    Settings current = settings;
    List<SpoaMessage> messages = notify.messages();
    if (messages.size() == 1) {
      return request(current, new SpoaRequest(engineId, notify.streamId(), notify.frameId(), messages.get(0)), deadlines);
    }
    if (messages.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Future<List<Action>>> parts = new ArrayList<>(messages.size());
    for (SpoaMessage m : messages) {
      parts.add(request(current, new SpoaRequest(engineId, notify.streamId(), notify.frameId(), m), deadlines));
    }
    return Future.all(parts).map(all -> {
      List<Action> actions = new ArrayList<>();
      boolean fallbackSet = false;
      for (Future<List<Action>> part : parts) {
        List<Action> partActions = part.result();
        boolean isFallback = !partActions.isEmpty() && isFallbackList(current, partActions);
        if (!isFallback || !fallbackSet) { // the fallback variable once per ACK, with the first reason
          actions.addAll(partActions);
          fallbackSet |= isFallback;
        }
      }
      return actions;
    });
  }

  private Future<List<Action>> request(Settings current, SpoaRequest req, Deadlines deadlines) {
    String name = req.messageName();
    Route route = route(current, name);
    long start = System.nanoTime();
    boolean direct = current.base().directDispatch();
    // a hedged message is asked again of whichever consumer the event bus picks next: requests
    if (direct || (localCalls && route.hedgeNanos() == 0)) {
      LocalHandlers.Registration local = localHandlers.pick(route.address());
      if (local != null) {
        LocalHandlerCall call = new LocalHandlerCall(current, req, route, deadlines, start);
        if (direct) {
          call.invoke(local);
        } else {
          call.send();
        }
        return call.answer.future();
      }
    }
    Future<Message<Object>> replied;
    try {
      replied = eventBus.request(route.address(), req, route.delivery());
    } catch (RuntimeException e) {
      // Vert.x 5.0.7 can throw here when the connection to a handler node fails as the request is
      // written (OutboundConnection completes a promise twice); the NOTIFY still gets its ACK
      return fallback(current, req, FallbackReason.ERROR, "the event bus failed to send the request: " + e);
    }
    if (route.hedgeNanos() > 0) {
      return new HedgedRequest(current, req, route, deadlines, start, replied).answer.future();
    }
    return replied.transform(ar -> outcome(current, req, route, start, ar));
  }

  /** The actions for one request's outcome: the reply's, or the fallback that says why there are none. */
  private Future<List<Action>> outcome(Settings current, SpoaRequest req, Route route, long start,
                                       AsyncResult<Message<Object>> ar) {
    String name = req.messageName();
    if (ar.succeeded()) {
      Message<Object> reply = ar.result();
      if (reply.body() instanceof SpoaReply r) {
        metrics.messageHandled(name, System.nanoTime() - start);
        return Future.succeededFuture(r.actions());
      }
      return fallback(current, req, FallbackReason.ERROR, "unexpected reply " + typeOf(reply.body()));
    }
    Throwable cause = ar.cause();
    if (cause instanceof ReplyException re) {
      switch (re.failureType()) {
        case NO_HANDLERS:
          return fallback(current, req, FallbackReason.NO_HANDLER, "no handler registered");
        case TIMEOUT:
          return fallback(current, req, FallbackReason.TIMEOUT, "no reply within " + route.delivery().getSendTimeout() + " ms");
        case RECIPIENT_FAILURE:
          if (isWireFailure(re)) {
            return fallback(current, req, FallbackReason.ERROR, "the handler's node cannot read the request: "
              + re.getMessage());
          }
          return fallback(current, req, FallbackReason.HANDLER_FAILURE, "handler failed: " + re.getMessage());
        case ERROR:
          if (isWireFailure(re)) {
            return fallback(current, req, FallbackReason.ERROR, "this node cannot read the handler's reply: "
              + re.getMessage());
          }
          break;
        default:
          break;
      }
    }
    return fallback(current, req, FallbackReason.ERROR, String.valueOf(cause));
  }

  /**
   * A message asked again when no handler has answered after {@code hedgeAfter}, and once more after
   * twice that (a dead or cold node: the event bus picks the address's next consumer each time, so
   * each new request may land on another node); the first answer wins. A failure ends it only when
   * no other request is pending: a quick failure before the hedge (no handler, the handler failed)
   * is not asked again.
   * Runs on the connection's context: the event bus completes requests on the sender's context,
   * and the hedge time is one of the connection's {@link Deadlines}.
   */
  private final class HedgedRequest extends Deadlines.Entry {
    final Promise<List<Action>> answer = Promise.promise();
    final Settings settings;
    final SpoaRequest request;
    final Route route;
    final Deadlines deadlines;
    final long start;
    int pending = 1;
    int hedges;

    HedgedRequest(Settings settings, SpoaRequest request, Route route, Deadlines deadlines, long start,
                  Future<Message<Object>> first) {
      this.settings = settings;
      this.request = request;
      this.route = route;
      this.deadlines = deadlines;
      this.start = start;
      deadlines.add(this, start + route.hedgeNanos());
      first.onComplete(this::settle);
    }

    @Override
    void expired() {
      if (answer.future().isComplete()) {
        return;
      }
      hedges++;
      long left = route.timeoutNanos() - (System.nanoTime() - start);
      if (hedges < MAX_HEDGES && left > route.hedgeNanos()) {
        deadlines.add(this, start + (hedges + 1) * route.hedgeNanos());
      }
      metrics.messageHedged(request.messageName());
      try {
        Future<Message<Object>> again = eventBus.request(route.address(), request,
          new DeliveryOptions().setSendTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
        pending++;
        again.onComplete(this::settle);
      } catch (RuntimeException e) { // see request(): the first request is still pending
        LOG.debug("hedged request to {} not sent", route.address(), e);
      }
    }

    private void settle(AsyncResult<Message<Object>> ar) {
      pending--;
      if (answer.future().isComplete() || (ar.failed() && pending > 0)) {
        return;
      }
      deadlines.remove(this);
      outcome(settings, request, route, start, ar).onComplete(answer);
    }
  }

  /**
   * One message to a handler of this Vert.x instance, sent over the event bus as a {@link LocalCall}
   * or, with {@code directDispatch}, handed over without it: either way the handler runs on its own
   * context, its outcome comes back to the connection's, and the connection's {@link Deadlines}
   * stand in for the event bus's reply timeout. It is its own task for both context hops and its
   * own listener of the handler's future, so a call allocates no lambdas.
   */
  private final class LocalHandlerCall extends Deadlines.Entry implements Handler<Void>, LocalCall {
    final Promise<List<Action>> answer = Promise.promise();
    final Settings settings;
    final SpoaRequest request;
    final Route route;
    final Deadlines deadlines;
    final Context caller;
    final long start;
    /** Set until the handler is called; null afterwards, when the task means "back on the caller". */
    LocalHandlers.Registration target;
    List<Action> result;
    Throwable failure;

    LocalHandlerCall(Settings settings, SpoaRequest request, Route route, Deadlines deadlines, long start) {
      this.settings = settings;
      this.request = request;
      this.route = route;
      this.deadlines = deadlines;
      this.caller = Vertx.currentContext();
      this.start = start;
    }

    @Override
    public SpoaRequest request() {
      return request;
    }

    /** Over the event bus: the consumer that {@code SpoaHandlers} registered serves the call. */
    void send() {
      deadlines.add(this, start + route.timeoutNanos());
      Future<Void> written;
      try {
        written = route.localSender().write(this);
      } catch (RuntimeException e) {
        notSent(e);
        return;
      }
      // local delivery settles the write at once, unless an interceptor holds the message back
      if (written.failed()) {
        notSent(written.cause());
      } else if (!written.isComplete()) {
        written.onFailure(this::notSent);
      }
    }

    /** No consumer took the call (its registration went after it was picked), or the event bus failed. */
    private void notSent(Throwable cause) {
      if (answer.future().isComplete()) {
        return;
      }
      deadlines.remove(this);
      boolean noHandler = cause instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
      answer.complete((noHandler ? fallback(settings, request, FallbackReason.NO_HANDLER, "no handler registered")
        : fallback(settings, request, FallbackReason.ERROR, "the event bus failed to send the request: " + cause)).result());
    }

    /** Without the event bus. */
    void invoke(LocalHandlers.Registration handler) {
      deadlines.add(this, start + route.timeoutNanos());
      target = handler;
      if (handler.context() == caller) {
        callHandler();
      } else {
        try {
          handler.context().runOnContext(this);
        } catch (RuntimeException e) { // e.g. the worker pool of an undeployed verticle refuses the task
          complete(null, e);
        }
      }
    }

    private void callHandler() {
      LocalHandlers.Registration handler = target;
      target = null;
      serve(handler.handler());
    }

    /** The handler's outcome, on whatever thread it completed. */
    @Override
    public void complete(List<Action> result, Throwable failure) {
      if (failure == null && result != null) {
        try {
          result = List.copyOf(result); // on the handler's thread: it may reuse its list afterwards
        } catch (NullPointerException e) {
          failure = new NullPointerException("handler returned a null action");
        }
      }
      this.result = result;
      this.failure = failure;
      if (Vertx.currentContext() == caller) {
        answered();
      } else {
        caller.runOnContext(this);
      }
    }

    @Override
    public void handle(Void v) {
      if (target != null) {
        callHandler(); // on the handler's context
      } else {
        answered(); // back on the connection's
      }
    }

    private void answered() {
      if (answer.future().isComplete()) {
        return; // too late: the deadline answered already
      }
      deadlines.remove(this);
      if (failure == null) {
        metrics.messageHandled(request.messageName(), System.nanoTime() - start);
        answer.complete(result == null ? List.of() : result);
      } else {
        answer.complete(fallback(settings, request, FallbackReason.HANDLER_FAILURE, "handler failed: " + failure)
          .result());
      }
    }

    @Override
    void expired() {
      if (!answer.future().isComplete()) { // an answer that came back while other calls expired wins
        answer.complete(fallback(settings, request, FallbackReason.TIMEOUT,
          "no reply within " + route.delivery().getSendTimeout() + " ms").result());
      }
    }
  }

  private Future<List<Action>> fallback(Settings current, SpoaRequest req, FallbackReason reason, String detail) {
    String name = req.messageName();
    metrics.fallback(name, reason);
    if (loggedFallbacks.size() < MAX_CACHED_NAMES && loggedFallbacks.add(name + '\0' + reason)) {
      LOG.warn("message '{}' answered without its actions ({}): {} [engine-id {}, stream-id {}, frame-id {}];"
        + " further cases of this kind are only counted", name, reason, detail, req.engineId(), req.streamId(),
        req.frameId());
    }
    return Future.succeededFuture(current.fallbackActions().get(reason.ordinal()));
  }

  private static boolean isWireFailure(ReplyException re) {
    return re.failureCode() == SpoaCodecs.UNSUPPORTED_WIRE_VERSION || re.failureCode() == SpoaCodecs.MALFORMED_WIRE_FORM;
  }

  private static boolean isFallbackList(Settings current, List<Action> list) {
    for (List<Action> f : current.fallbackActions()) {
      if (f == list) {
        return true;
      }
    }
    return false;
  }

  private Route route(Settings current, String name) {
    Route r = current.routes().get(name);
    if (r == null) {
      DispatchSettings options = current.base();
      long timeout = options.handlerTimeout(name);
      long hedge = options.hedgeAfter() > 0 && options.hedgeAfter() < timeout ? options.hedgeAfter() : 0;
      String address = options.addressPrefix() + name;
      r = new Route(address, new DeliveryOptions().setSendTimeout(timeout),
        TimeUnit.MILLISECONDS.toNanos(Math.min(timeout, MAX_DIRECT_TIMEOUT_MILLIS)), TimeUnit.MILLISECONDS.toNanos(hedge),
        eventBus.sender(address, LOCAL_CALL));
      if (current.routes().size() < MAX_CACHED_NAMES) {
        current.routes().put(name, r);
      }
    }
    return r;
  }

  private static String typeOf(Object o) {
    return o == null ? "null" : o.getClass().getName();
  }
}
