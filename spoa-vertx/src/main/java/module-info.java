/**
 * spoa-vertx: HAProxy Stream Processing Offload Agents (SPOP 2.0) on Vert.x 5. Only the API is
 * exported; the {@code impl} packages are not. Metrics, configuration, clustering and logback are
 * optional: an agent that uses them adds them.
 */
module dev.spoa.vertx {
  requires transitive io.vertx.core;
  requires org.slf4j;
  requires io.netty.handler;
  requires io.netty.transport;

  requires static io.vertx.codegen.api;
  requires static io.vertx.codegen.json;
  requires static micrometer.core;
  requires static micrometer.registry.prometheus;
  requires static io.vertx.metrics.micrometer;
  requires static io.vertx.config;
  requires static io.vertx.clustermanager.hazelcast;
  requires static com.hazelcast.core;
  requires static ch.qos.logback.classic;

  exports dev.spoa.admin;
  exports dev.spoa.agent;
  exports dev.spoa.config;
  exports dev.spoa.handler;
  exports dev.spoa.haproxy;
  exports dev.spoa.metrics;
  exports dev.spoa.protocol;
  exports dev.spoa.server;
}
