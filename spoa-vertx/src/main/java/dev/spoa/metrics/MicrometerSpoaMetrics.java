package dev.spoa.metrics;

import dev.spoa.protocol.FrameType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link SpoaMetrics} on a Micrometer registry. Meter names follow Prometheus conventions once
 * rendered ({@code spoa_frames_received_total{type="notify"}}); docs/metrics.md lists them all.
 * Labels taken from the network (message names, status codes) are bounded: past
 * {@value #MAX_LABEL_VALUES} distinct values they are reported as {@code other}.
 */
public final class MicrometerSpoaMetrics implements SpoaMetrics {

  static final int MAX_LABEL_VALUES = 200;
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final AtomicInteger activeConnections = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Counter opened;
  private final Counter closed;
  private final Counter refused;
  private final Counter healthChecks;
  private final Counter reassembled;
  private final Counter fragments;
  private final Counter aborted;
  private final Counter reassemblyTimedOut;
  private final Counter reassemblyRefused;
  private final Counter trimmedActions;
  private final Timer notifyTimer;
  private final Timer ackLatency;
  private final DistributionSummary ackBytes;
  private final Map<FrameType, Counter> received = new EnumMap<>(FrameType.class);
  private final Map<FrameType, Counter> sent = new EnumMap<>(FrameType.class);
  private final Map<String, Counter> disconnectsReceived = new ConcurrentHashMap<>();
  private final Map<String, Counter> disconnectsSent = new ConcurrentHashMap<>();
  private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
  private final Map<String, Timer> handlerTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> hedges = new ConcurrentHashMap<>();

  public MicrometerSpoaMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("spoa.connections.active", activeConnections, AtomicInteger::get)
      .description("Open HAProxy connections").register(registry);
    Gauge.builder("spoa.notify.in.flight", inFlight, AtomicInteger::get)
      .description("NOTIFYs read and not answered yet").register(registry);
    opened = Counter.builder("spoa.connections").tag("outcome", "opened")
      .description("Connections by outcome").register(registry);
    closed = Counter.builder("spoa.connections").tag("outcome", "closed").register(registry);
    refused = Counter.builder("spoa.connections").tag("outcome", "refused").register(registry);
    healthChecks = Counter.builder("spoa.health.checks").description("Health-check HELLOs answered").register(registry);
    reassembled = Counter.builder("spoa.notify.reassembled").description("NOTIFYs rebuilt from fragments").register(registry);
    fragments = Counter.builder("spoa.notify.fragments").description("Fragments of reassembled NOTIFYs").register(registry);
    aborted = Counter.builder("spoa.notify.aborted").description("Fragmented NOTIFYs HAProxy abandoned").register(registry);
    reassemblyTimedOut = Counter.builder("spoa.notify.reassembly.failed").tag("reason", "timeout")
      .description("Fragmented NOTIFYs that ended their connection unfinished").register(registry);
    reassemblyRefused = Counter.builder("spoa.notify.reassembly.failed").tag("reason", "budget").register(registry);
    trimmedActions = Counter.builder("spoa.ack.actions.dropped")
      .description("Actions left out of ACKs larger than the frame size").register(registry);
    notifyTimer = Timer.builder("spoa.notify.duration").description("From a NOTIFY read to its answer ready")
      .publishPercentileHistogram().register(registry);
    // Percentiles computed here (HdrHistogram inside Micrometer, over a sliding 2-minute window): the
    // agent's own p99, to set against the p99 HAProxy's clients see.
    ackLatency = Timer.builder("spoa.ack.latency")
      .description("From a NOTIFY read to its ACK written to the socket: the agent's share of HAProxy's wait")
      .publishPercentiles(0.5, 0.9, 0.99, 0.999).percentilePrecision(2).register(registry);
    ackBytes = DistributionSummary.builder("spoa.ack.size").baseUnit("bytes").description("ACK sizes on the wire")
      .register(registry);
    for (FrameType t : FrameType.values()) {
      String name = t.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      received.put(t, Counter.builder("spoa.frames.received").tag("type", name).description("Frames read by type")
        .register(registry));
      sent.put(t, Counter.builder("spoa.frames.sent").tag("type", name).description("Frames written by type")
        .register(registry));
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  private static <T> T bounded(Map<String, T> cache, String key, Function<String, T> create) {
    T meter = cache.get(key);
    if (meter == null) {
      String k = cache.size() < MAX_LABEL_VALUES ? key : OTHER;
      meter = cache.computeIfAbsent(k, create);
    }
    return meter;
  }

  @Override
  public void connectionOpened() {
    activeConnections.incrementAndGet();
    opened.increment();
  }

  @Override
  public void connectionClosed() {
    activeConnections.decrementAndGet();
    closed.increment();
  }

  @Override
  public void connectionRefused() {
    refused.increment();
  }

  @Override
  public void notifyReassembled(int fragmentCount) {
    reassembled.increment();
    fragments.increment(fragmentCount);
  }

  @Override
  public void notifyAborted() {
    aborted.increment();
  }

  @Override
  public void reassemblyTimedOut() {
    reassemblyTimedOut.increment();
  }

  @Override
  public void reassemblyRefused() {
    reassemblyRefused.increment();
  }

  @Override
  public void frameReceived(FrameType type) {
    received.get(type).increment();
  }

  @Override
  public void frameSent(FrameType type) {
    sent.get(type).increment();
  }

  @Override
  public void healthCheck() {
    healthChecks.increment();
  }

  @Override
  public void disconnectReceived(int statusCode) {
    bounded(disconnectsReceived, String.valueOf(statusCode), s -> Counter.builder("spoa.disconnects.received")
      .tag("status", s).description("HAPROXY-DISCONNECT frames by status").register(registry)).increment();
  }

  @Override
  public void disconnectSent(int statusCode) {
    bounded(disconnectsSent, String.valueOf(statusCode), s -> Counter.builder("spoa.disconnects.sent")
      .tag("status", s).description("AGENT-DISCONNECT frames by status").register(registry)).increment();
  }

  @Override
  public void notifyReceived() {
    inFlight.incrementAndGet();
  }

  @Override
  public void notifyCompleted(long nanos) {
    inFlight.decrementAndGet();
    notifyTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void ackWritten(long nanos) {
    ackLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void ackSent(int bytes) {
    ackBytes.record(bytes);
  }

  @Override
  public void messageHandled(String messageName, long nanos) {
    bounded(handlerTimers, messageName, m -> Timer.builder("spoa.handler.duration").tag("message", m)
      .description("Handler latency per message, answers in time").publishPercentileHistogram()
      .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void messageHedged(String messageName) {
    bounded(hedges, messageName, m -> Counter.builder("spoa.hedged.requests").tag("message", m)
      .description("Messages sent to a second handler after hedgeAfter without an answer").register(registry)).increment();
  }

  @Override
  public void fallback(String messageName, FallbackReason reason) {
    String key = messageName + '\0' + reason;
    Counter c = fallbacks.get(key);
    if (c == null) {
      String m = fallbacks.size() < MAX_LABEL_VALUES ? messageName : OTHER;
      c = fallbacks.computeIfAbsent(m + '\0' + reason, k -> Counter.builder("spoa.fallbacks")
        .tag("message", m).tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
        .description("Messages answered without their handler's actions").register(registry));
    }
    c.increment();
  }

  @Override
  public void ackTrimmed(int dropped) {
    trimmedActions.increment(dropped);
  }
}
