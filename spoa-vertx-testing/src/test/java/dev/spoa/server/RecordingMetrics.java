package dev.spoa.server;

import dev.spoa.metrics.FallbackReason;
import dev.spoa.metrics.SpoaMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what the server reports, for assertions. */
final class RecordingMetrics implements SpoaMetrics {

  final AtomicInteger opened = new AtomicInteger();
  final AtomicInteger closed = new AtomicInteger();
  final AtomicInteger healthChecks = new AtomicInteger();
  final AtomicInteger notifies = new AtomicInteger();
  /** NOTIFYs read, counted on the connection's event loop as each is read. */
  final AtomicInteger notifiesRead = new AtomicInteger();
  final AtomicInteger trimmedActions = new AtomicInteger();
  final AtomicInteger reassembled = new AtomicInteger();
  final AtomicInteger aborted = new AtomicInteger();
  final AtomicInteger refused = new AtomicInteger();
  final AtomicInteger reassemblyTimeouts = new AtomicInteger();
  final AtomicInteger reassemblyRefusals = new AtomicInteger();
  final AtomicInteger hedged = new AtomicInteger();
  /** {@link #ackWritten} latencies, in the order reported. */
  final java.util.Queue<Long> ackLatencies = new java.util.concurrent.ConcurrentLinkedQueue<>();
  final Map<FallbackReason, AtomicInteger> fallbacks = new ConcurrentHashMap<>();
  final Map<Integer, AtomicInteger> disconnectsSent = new ConcurrentHashMap<>();
  /** The context of the connection opened last: its timers run on that context's event loop. */
  volatile Context lastOpenedConnection;

  @Override
  public void messageHedged(String messageName) {
    hedged.incrementAndGet();
  }

  @Override
  public void connectionOpened() {
    lastOpenedConnection = Vertx.currentContext();
    opened.incrementAndGet();
  }

  @Override
  public void connectionClosed() {
    closed.incrementAndGet();
  }

  @Override
  public void notifyReassembled(int fragments) {
    reassembled.incrementAndGet();
  }

  @Override
  public void notifyAborted() {
    aborted.incrementAndGet();
  }

  @Override
  public void reassemblyTimedOut() {
    reassemblyTimeouts.incrementAndGet();
  }

  @Override
  public void reassemblyRefused() {
    reassemblyRefusals.incrementAndGet();
  }

  @Override
  public void connectionRefused() {
    refused.incrementAndGet();
  }

  @Override
  public void healthCheck() {
    healthChecks.incrementAndGet();
  }

  @Override
  public void ackWritten(long nanos) {
    ackLatencies.add(nanos);
  }

  @Override
  public void notifyReceived() {
    notifiesRead.incrementAndGet();
  }

  @Override
  public void notifyCompleted(long nanos) {
    notifies.incrementAndGet();
  }

  @Override
  public void fallback(String messageName, FallbackReason reason) {
    fallbacks.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void disconnectSent(int statusCode) {
    disconnectsSent.computeIfAbsent(statusCode, r -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void ackTrimmed(int dropped) {
    trimmedActions.addAndGet(dropped);
  }

  int fallbacks(FallbackReason reason) {
    AtomicInteger n = fallbacks.get(reason);
    return n == null ? 0 : n.get();
  }

  int disconnectsSent(int status) {
    AtomicInteger n = disconnectsSent.get(status);
    return n == null ? 0 : n.get();
  }
}
