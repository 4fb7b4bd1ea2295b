package dev.spoa.examples.iprep;

import dev.spoa.examples.haproxy.CountingMetrics;
import dev.spoa.examples.haproxy.HaproxyBinary;
import dev.spoa.examples.haproxy.HaproxyProcess;
import dev.spoa.examples.haproxy.HaproxyTestBase;
import dev.spoa.examples.haproxy.IpScores;
import dev.spoa.handler.SpoaHandlerVerticle;
import dev.spoa.handler.SpoaHandlers;
import dev.spoa.server.SpoaServerOptions;
import dev.spoa.server.SpoaServerVerticle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ip-reputation agent behind the real HAProxy, on every version of {@link HaproxyBinary#versions()},
 * configured from the files in {@code conf/} (ports, paths and the backend mode rewritten for the test).
 */
class IpReputationHaproxyIT extends HaproxyTestBase {

  private final CountingMetrics metrics = new CountingMetrics();
  private int agentPort;
  private int webPort;

  @BeforeEach
  void choosePorts() {
    agentPort = HaproxyProcess.freePort();
    webPort = HaproxyProcess.freePort();
  }

  private SpoaServerOptions agentOptions() {
    return new SpoaServerOptions().setPort(agentPort);
  }

  /** conf/haproxy.cfg and conf/spoe-iprep.conf with the test's ports, an admin socket and quick checks. */
  private void startHaproxy(HaproxyBinary binary, boolean pipelining) throws IOException {
    String cfg = HaproxyProcess.confHaproxyCfg(binary, webPort, agentPort)
      .replace("check inter 2s", "check inter 200ms");
    String spoe = HaproxyProcess.confSpoe();
    if (!pipelining) {
      spoe = spoe.replace("spoe-agent iprep-agent\n", "spoe-agent iprep-agent\n    no option pipelining\n");
      assertTrue(spoe.contains("no option pipelining"), spoe);
    }
    assertTrue(cfg.contains("check inter 200ms"), cfg);
    haproxy = HaproxyProcess.start(binary, cfg, webPort, "spoe-iprep.conf", spoe);
  }

  /** Sends {@code total} requests from {@code threads} keep-alive clients; returns the Ip_score headers. */
  private List<Optional<String>> requests(int threads, int total) throws Exception {
    return IpScores.fetch(webPort, threads, total);
  }

  static Stream<Arguments> versionsWithAndWithoutPipelining() {
    return HaproxyBinary.versions(v -> true).flatMap(v -> Stream.of(Arguments.of(v, true), Arguments.of(v, false)));
  }

  static Stream<HaproxyBinary> versionsOfferingAsync() {
    return HaproxyBinary.versions(HaproxyBinary::async);
  }

  @ParameterizedTest(name = "{0}, pipelining offered by HAProxy: {1}")
  @MethodSource("versionsWithAndWithoutPipelining")
  void everyResponseCarriesTheAgentsScore(HaproxyBinary binary, boolean pipelining) throws Exception {
    IpReputationAgent.deploy(vertx, agentOptions(), metrics).await();
    startHaproxy(binary, pipelining);
    List<Optional<String>> scores = requests(4, 1000);
    assertEquals(1000, scores.size());
    long twenties = scores.stream().filter(s -> s.equals(Optional.of("20"))).count();
    assertEquals(1000, twenties, "every response has Ip_score: 20; HAProxy log:\n" + haproxy.log());
    // the score is a session variable: the agent's own count proves that each request got its ACK
    metrics.assertAnswered(1000, haproxy);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versionsOfferingAsync")
  void withAsyncAgreedEveryResponseCarriesTheScoreToo(HaproxyBinary binary) throws Exception {
    // HAProxy 2.6 and 3.0 offer async by default; the agent agrees only when asked to. 3.1+ never offers it.
    IpReputationAgent.deploy(vertx, agentOptions().setAsync(true), metrics).await();
    startHaproxy(binary, true);
    List<Optional<String>> scores = requests(4, 500);
    assertEquals(500, scores.stream().filter(s -> s.equals(Optional.of("20"))).count(), haproxy.log());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void withDirectDispatchEveryResponseCarriesTheScoreWithoutTheEventBus(HaproxyBinary binary) throws Exception {
    AtomicInteger busRequests = new AtomicInteger();
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (ctx.message().address().equals(SpoaHandlers.address(IpReputationHandler.MESSAGE))) {
        busRequests.incrementAndGet();
      }
      ctx.next();
    });
    IpReputationAgent.deploy(vertx, agentOptions().setDirectDispatch(true), metrics).await();
    startHaproxy(binary, true);
    List<Optional<String>> scores = requests(4, 1000);
    assertEquals(1000, scores.stream().filter(s -> s.equals(Optional.of("20"))).count(), haproxy.log());
    assertEquals(0, busRequests.get(), "the local handler was called directly");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void spopCheckMarksTheAgentUp(HaproxyBinary binary) throws Exception {
    IpReputationAgent.deploy(vertx, agentOptions(), metrics).await();
    startHaproxy(binary, true);
    // HAProxy starts a server as UP before checking it: wait for a passed SPOP check (L7OK).
    String status = haproxy.awaitCheck("spoe-iprep", "agent1", "UP", "L7OK", Duration.ofSeconds(10));
    assertEquals("UP/L7OK", status, haproxy.log());
    assertTrue(metrics.healthChecks.get() >= 1, "the agent answered health-check HELLOs");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void spopCheckMarksAMissingAgentDown(HaproxyBinary binary) throws Exception {
    startHaproxy(binary, true); // nothing listens on the agent port
    String status = haproxy.awaitCheck("spoe-iprep", "agent1", "DOWN", "L4CON", Duration.ofSeconds(10));
    assertEquals("DOWN/L4CON", status, "connection refused");
    List<Optional<String>> scores = requests(1, 5);
    assertTrue(scores.stream().allMatch(Optional::isEmpty), "requests pass without a score");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HaproxyBinary.ALL)
  void aThrowingHandlerLetsRequestsThroughWithoutTheVariable(HaproxyBinary binary) throws Exception {
    vertx.deployVerticle(SpoaHandlerVerticle.of(IpReputationHandler.MESSAGE, req -> {
      throw new IllegalStateException("reputation service unavailable");
    })).await();
    vertx.deployVerticle(new SpoaServerVerticle(agentOptions(), metrics)).await();
    startHaproxy(binary, true);
    List<Optional<String>> scores = requests(2, 100);
    assertEquals(100, scores.size());
    assertTrue(scores.stream().allMatch(Optional::isEmpty), "no Ip_score header without a verdict");
    assertEquals(100, metrics.handlerFailures.get(), "each request reached the handler and got an ACK anyway");
    assertEquals(100, metrics.notifies.get());
  }
}
