package dev.spoa.config;

import dev.spoa.server.SpoaServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped conf/spoa.yaml, the sources' precedence, and the messages for mistakes. */
class SpoaConfigTest {

  @TempDir
  Path tmp;

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  static Path shippedFile() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("conf/spoa.yaml"))) {
      p = p.getParent();
    }
    return p.resolve("conf/spoa.yaml");
  }

  private JsonObject read(Path file, Map<String, String> env, Properties props, List<String> args) {
    var retriever = SpoaConfigLoader.retriever(vertx, file, env, props, args, Set.of("bot"), 0);
    try {
      return retriever.getConfig().await();
    } finally {
      retriever.close();
    }
  }

  @Test
  void theShippedFileHoldsEveryAgentOptionWithItsDefault() {
    SpoaConfig config = SpoaConfig.fromJson(read(shippedFile(), Map.of(), new Properties(), List.of()));
    assertEquals(new SpoaServerOptions().toJson(), config.serverOptions().toJson(), "the file's values are the defaults");
    Set<String> own = new HashSet<>(new SpoaServerOptions().toJson().fieldNames());
    own.removeAll(new NetServerOptions().toJson().fieldNames());
    JsonObject spoaSection = read(shippedFile(), Map.of(), new Properties(), List.of()).getJsonObject("spoa");
    for (String key : own) {
      assertTrue(spoaSection.containsKey(key), "conf/spoa.yaml documents spoa." + key);
    }
    assertEquals(9090, config.adminOptions().getPort());
    assertEquals(List.of("check-client-ip"), config.messages());
    assertEquals("info", config.logLevel());
    assertTrue(config.metricsEnabled());
  }

  @Test
  void fileThenEnvironmentThenPropertiesThenArguments() throws Exception {
    Path file = tmp.resolve("spoa.yaml");
    Files.writeString(file, "spoa:\n  port: 1000\n  handlerTimeout: 100\n  maxFrameSize: 4000\n  pipelining: false\n"
      + "metrics:\n  port: 2000\n");
    Map<String, String> env = Map.of("SPOA_PORT", "1001", "SPOA_HANDLER_TIMEOUT", "101", "SPOA_METRICS_PORT", "2001",
      "PATH", "/bin", "SPOA_PIPELINING", "true");
    Properties props = new Properties();
    props.setProperty("spoa.port", "1002");
    props.setProperty("spoa.metrics.port", "2002");
    props.setProperty("java.something", "ignored");
    SpoaConfig config = SpoaConfig.fromJson(read(file, env, props, List.of("--spoa.port=1003")));
    SpoaServerOptions o = config.serverOptions();
    assertEquals(1003, o.getPort(), "arguments win");
    assertEquals(2002, config.adminOptions().getPort(), "properties beat the environment");
    assertEquals(101, o.getHandlerTimeout(), "the environment beats the file");
    assertEquals(4000, o.getMaxFrameSize(), "the file beats the defaults");
    assertTrue(o.isPipelining(), "'true' from the environment is a boolean");
    assertEquals(SpoaServerOptions.DEFAULT_HOST, o.getHost(), "absent keys keep their default");
  }

  @Test
  void mistakesNameTheKeyAndTheExpectedForm() {
    JsonObject bad = new JsonObject()
      .put("spoa", new JsonObject().put("maxFramSize", 100).put("port", "abc").put("pipelining", "yes"))
      .put("agent", new JsonObject().put("logLevel", "loud"))
      .put("tls", new JsonObject().put("clientAuth", "ALWAYS"))
      .put("nonsense", new JsonObject());
    SpoaConfigException e = assertThrows(SpoaConfigException.class, () -> SpoaConfig.fromJson(bad));
    String m = e.getMessage();
    assertTrue(m.contains("unknown key 'spoa.maxFramSize', did you mean 'maxFrameSize'?"), m);
    assertTrue(m.contains("spoa.port: expected an integer, got 'abc'"), m);
    assertTrue(m.contains("spoa.pipelining: expected true or false, got 'yes'"), m);
    assertTrue(m.contains("agent.logLevel: expected one of"), m);
    assertTrue(m.contains("tls.clientAuth: expected NONE, REQUEST or REQUIRED"), m);
    assertTrue(m.contains("unknown section 'nonsense'"), m);
    assertEquals(0, e.getStackTrace().length, "a user mistake carries no stack trace");

    SpoaConfigException range = assertThrows(SpoaConfigException.class,
      () -> SpoaConfig.fromJson(new JsonObject().put("spoa", new JsonObject().put("maxFrameSize", 100))));
    assertTrue(range.getMessage().contains("maxFrameSize must be at least 256, got 100"), range.getMessage());

    SpoaConfigException tls = assertThrows(SpoaConfigException.class,
      () -> SpoaConfig.fromJson(new JsonObject().put("tls", new JsonObject().put("enabled", true))));
    assertTrue(tls.getMessage().contains("tls.certPath and tls.keyPath"), tls.getMessage());
  }

  @Test
  void aMissingFileOrBadArgumentsAreReportedPlainly() {
    var failed = SpoaConfigLoader.load(vertx, Path.of("/nonexistent/spoa.yaml"), List.of());
    SpoaConfigException e = assertThrows(SpoaConfigException.class, failed::await);
    assertTrue(e.getMessage().contains("/nonexistent/spoa.yaml not found"), e.getMessage());
    SpoaConfigException args = assertThrows(SpoaConfigException.class,
      () -> SpoaConfigLoader.load(vertx, null, List.of("port=5")).await());
    assertTrue(args.getMessage().contains("expected --<section>.<key>=<value>"), args.getMessage());
  }

  @Test
  void secretsAreMaskedWhenTheConfigurationIsLogged() {
    SpoaConfig config = SpoaConfig.fromJson(new JsonObject().put("spoa", new JsonObject().put("port", 5))
      .put("bot", new JsonObject().put("redisPassword", "hunter2")), Set.of("bot"));
    String text = config.describe();
    assertFalse(text.contains("hunter2"), text);
    assertTrue(text.contains("****"), text);
  }

  @Test
  void environmentNamesMapToNestedKeys() {
    JsonObject env = SpoaConfigLoader.fromEnv(Map.of("SPOA_MAX_FRAME_SIZE", "1", "SPOA_METRICS_PORT", "2",
      "SPOA_AGENT_LOG_LEVEL", "debug", "SPOA_", "x", "HOME", "/root"), Set.of());
    assertEquals(new JsonObject().put("spoa", new JsonObject().put("maxFrameSize", "1"))
      .put("metrics", new JsonObject().put("port", "2"))
      .put("agent", new JsonObject().put("logLevel", "debug")), env);
  }

  @Test
  void anAgentsOwnSectionIsReadFromEverySourceWithTypedValues() throws Exception {
    Path file = tmp.resolve("spoa.yaml");
    Files.writeString(file, "bot:\n  threshold: 5\n  reason: file\n  limits: {perMinute: 60}\n");
    Map<String, String> env = Map.of("SPOA_BOT_REDIS_URL", "redis://127.0.0.1:6379", "SPOA_BOT_REASON", "env");
    Properties props = new Properties();
    props.setProperty("spoa.bot.threshold", "7");
    props.setProperty("spoa.bot.weight", "0.5");
    SpoaConfig config = SpoaConfig.fromJson(read(file, env, props, List.of("--bot.enabled=false")), Set.of("bot"));
    JsonObject bot = config.section("bot");
    assertEquals(7, bot.getInteger("threshold"), "a property beats the file, and reads as a number");
    assertEquals(0.5, bot.getDouble("weight"));
    assertEquals(false, bot.getBoolean("enabled"), "an argument reads as a boolean");
    assertEquals("redis://127.0.0.1:6379", bot.getString("redisUrl"), "SPOA_BOT_REDIS_URL is bot.redisUrl");
    assertEquals("env", bot.getString("reason"));
    assertEquals(60, bot.getJsonObject("limits").getInteger("perMinute"));
    assertEquals(new JsonObject(), config.section("other"), "a section nobody gave is empty");

    SpoaConfigException undeclared = assertThrows(SpoaConfigException.class,
      () -> SpoaConfig.fromJson(new JsonObject().put("bot", new JsonObject())));
    assertTrue(undeclared.getMessage().contains("unknown section 'bot' (known: agent, cluster, metrics, spoa, tls)"),
      undeclared.getMessage());
  }

  @Test
  void theRoleDecidesWhetherTheEventBusIsClustered() {
    SpoaConfig all = SpoaConfig.fromJson(new JsonObject());
    assertEquals(SpoaConfig.Role.ALL, all.role());
    assertFalse(all.cluster().enabled(), "one JVM: no cluster unless asked");
    assertEquals(1, all.handlerInstances());
    assertEquals(1, all.eventLoops(), "one JVM: one event loop per server instance, shared with the handlers");
    assertEquals(3, SpoaConfig.fromJson(new JsonObject().put("agent", new JsonObject().put("instances", 3))).eventLoops());
    assertEquals(8, SpoaConfig.fromJson(new JsonObject().put("agent", new JsonObject().put("instances", 3)
      .put("eventLoops", 8))).eventLoops(), "a number given is kept");

    SpoaConfig handler = SpoaConfig.fromJson(new JsonObject()
      .put("agent", new JsonObject().put("role", "handler").put("workerPoolSize", "4").put("nodeName", "h1"))
      .put("cluster", new JsonObject().put("members", "127.0.0.1:5701, 127.0.0.1:5702").put("port", "5702")));
    assertEquals(SpoaConfig.Role.HANDLER, handler.role());
    assertTrue(handler.cluster().enabled(), "the handler role joins the cluster");
    assertEquals(4, handler.handlerInstances(), "one worker instance per pool thread");
    assertEquals(0, handler.eventLoops(), "clustered: Vert.x's default, for the cluster's traffic too");
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), handler.cluster().members());
    assertEquals(5702, handler.cluster().port());
    assertEquals(ClusterSettings.DEFAULT_HOST, handler.cluster().host(), "loopback unless told otherwise");
    assertFalse(handler.cluster().hostGiven());
    assertEquals("h1", handler.nodeName());

    SpoaConfig explicit = SpoaConfig.fromJson(new JsonObject()
      .put("agent", new JsonObject().put("workerPoolSize", 4).put("handlerInstances", 2)));
    assertEquals(2, explicit.handlerInstances());

    SpoaConfigException e = assertThrows(SpoaConfigException.class, () -> SpoaConfig.fromJson(new JsonObject()
      .put("agent", new JsonObject().put("role", "front").put("workerPoolSize", -1))
      .put("cluster", new JsonObject().put("enabled", false).put("port", 70000).put("hots", "x"))));
    String m = e.getMessage();
    assertTrue(m.contains("agent.role front needs the clustered event bus"), m);
    assertTrue(m.contains("agent.workerPoolSize: expected 0"), m);
    assertTrue(m.contains("cluster.port: expected 0"), m);
    assertTrue(m.contains("unknown key 'cluster.hots', did you mean 'host'?"), m);
    SpoaConfigException role = assertThrows(SpoaConfigException.class,
      () -> SpoaConfig.fromJson(new JsonObject().put("agent", new JsonObject().put("role", "both"))));
    assertTrue(role.getMessage().contains("agent.role: expected all, front or handler, got 'both'"), role.getMessage());
  }
}
