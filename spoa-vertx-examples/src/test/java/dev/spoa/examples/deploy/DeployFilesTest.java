package dev.spoa.examples.deploy;

import dev.spoa.config.SpoaConfig;
import dev.spoa.examples.haproxy.HaproxyProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine or Kubernetes runs here, so deploy/ is checked statically: every file parses,
 * ports and paths agree with conf/ and the build, probes use the admin port, the dashboard queries
 * only documented metrics. (IpReputationHaproxyConfigIT runs {@code haproxy -c} on the compose
 * HAProxy configuration.)
 */
class DeployFilesTest {

  private static final Path ROOT = HaproxyProcess.confDir().getParent();
  private static final Path DEPLOY = ROOT.resolve("deploy");

  private static String read(String path) throws IOException {
    return Files.readString(ROOT.resolve(path));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String path) throws IOException {
    return new Yaml().load(read(path));
  }

  private static List<Map<String, Object>> yamlDocs(String path) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object d : new Yaml().loadAll(read(path))) {
      docs.add(new JsonObject(castMap(d)).getMap());
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  private static JsonObject json(Object yamlMap) {
    return new JsonObject(castMap(yamlMap));
  }

  @Test
  void composeAgentPortsMatchTheAgentConfiguration() throws IOException {
    JsonObject spoa = json(yaml("conf/spoa.yaml"));
    int spop = spoa.getJsonObject("spoa").getInteger("port");
    int admin = spoa.getJsonObject("metrics").getInteger("port");
    JsonObject compose = json(yaml("deploy/docker-compose.yml"));
    JsonObject agent = compose.getJsonObject("services").getJsonObject("agent");
    assertEquals(String.valueOf(spop), agent.getJsonObject("environment").getString("SPOA_PORT"));
    assertEquals(String.valueOf(admin), agent.getJsonObject("environment").getString("SPOA_METRICS_PORT"));
    assertTrue(read("deploy/haproxy/haproxy.cfg").contains("server agent1 agent:" + spop));
    assertTrue(read("deploy/prometheus/prometheus.yml").contains("agent:" + admin));
    assertEquals(read("conf/spoe-iprep.conf"), read("deploy/haproxy/spoe-iprep.conf"), "one SPOE file for both");
  }

  @Test
  void theDockerfileBuildsTheJarThePomNames() throws IOException {
    String dockerfile = read("deploy/Dockerfile");
    assertTrue(read("spoa-vertx-examples/pom.xml").contains("<finalName>ip-reputation-agent</finalName>"));
    assertTrue(dockerfile.contains("spoa-vertx-examples/target/ip-reputation-agent.jar"), dockerfile);
    assertTrue(dockerfile.contains("COPY conf/spoa.yaml"), dockerfile);
    assertTrue(dockerfile.matches("(?s).*FROM .* AS build.*FROM .*"), "multi-stage");
  }

  @Test
  void theDockerBuildSeesEveryModuleAndBuildsWithTheWrapper() throws IOException {
    String dockerfile = read("deploy/Dockerfile");
    // Maven refuses a reactor whose module folder is missing: each module's pom must be in the image.
    Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(read("pom.xml"));
    int count = 0;
    while (modules.find()) {
      String module = modules.group(1);
      count++;
      assertTrue(dockerfile.contains("COPY " + module + "/pom.xml " + module + "/")
        || dockerfile.contains("COPY " + module + " " + module), "the image lacks module " + module);
    }
    assertTrue(count >= 3, "modules read from the root pom: " + count);
    assertTrue(dockerfile.contains("COPY .mvn .mvn") && dockerfile.contains("./mvnw -B"), "the pinned Maven wrapper builds the image");
  }

  @Test
  void kubernetesProbesUseTheAdminPortAndTheConfigMapIsAValidConfiguration() throws IOException {
    Map<String, Object> deployment = yamlDocs("deploy/k8s/deployment.yaml").get(0);
    JsonObject container = new JsonObject(deployment).getJsonObject("spec").getJsonObject("template")
      .getJsonObject("spec").getJsonArray("containers").getJsonObject(0);
    assertEquals("/health", container.getJsonObject("livenessProbe").getJsonObject("httpGet").getString("path"));
    assertEquals("/ready", container.getJsonObject("readinessProbe").getJsonObject("httpGet").getString("path"));
    assertEquals("admin", container.getJsonObject("readinessProbe").getJsonObject("httpGet").getString("port"));
    JsonArray ports = container.getJsonArray("ports");
    JsonObject configMap = new JsonObject(yamlDocs("deploy/k8s/configmap.yaml").get(0));
    JsonObject agentConf = json(new Yaml().load(configMap.getJsonObject("data").getString("spoa.yaml")));
    SpoaConfig config = SpoaConfig.fromJson(agentConf); // throws on any mistake
    assertEquals(config.serverOptions().getPort(), portNamed(ports, "spop"));
    assertEquals(config.adminOptions().getPort(), portNamed(ports, "admin"));
    JsonObject service = new JsonObject(yamlDocs("deploy/k8s/service.yaml").get(0));
    assertEquals(2, service.getJsonObject("spec").getJsonArray("ports").size());
  }

  private static int portNamed(JsonArray ports, String name) {
    for (int i = 0; i < ports.size(); i++) {
      if (name.equals(ports.getJsonObject(i).getString("name"))) {
        return ports.getJsonObject(i).getInteger("containerPort");
      }
    }
    throw new AssertionError("no port " + name);
  }

  @Test
  void theSystemdUnitKeepsTheAgentOnLoopback() throws IOException {
    String unit = read("deploy/systemd/spoa-agent.service");
    assertTrue(unit.contains("SPOA_HOST=127.0.0.1") && unit.contains("SPOA_METRICS_HOST=127.0.0.1"), unit);
    assertTrue(unit.contains("/opt/spoa/ip-reputation-agent.jar --conf /etc/spoa/spoa.yaml"), unit);
    assertTrue(unit.contains("KillSignal=SIGTERM"), unit);
  }

  @Test
  void everyLauncherGivesTheJvmTheFlagsOfConfJvmOptions() throws IOException {
    assertTrue(read("conf/jvm.options").lines().anyMatch(l -> l.startsWith("-XX:")), "conf/jvm.options holds flags");
    String dockerfile = read("deploy/Dockerfile");
    // beside the jar, not in /etc/spoa, where Kubernetes mounts the ConfigMap
    assertTrue(dockerfile.contains("COPY conf/jvm.options /opt/spoa/jvm.options"), dockerfile);
    assertTrue(dockerfile.contains("ENTRYPOINT [\"java\", \"@/opt/spoa/jvm.options\", \"-jar\""), dockerfile);
    String volumes = String.valueOf(new JsonObject(yamlDocs("deploy/k8s/deployment.yaml").get(0)).getJsonObject("spec")
      .getJsonObject("template").getJsonObject("spec").getJsonArray("containers").getJsonObject(0).getValue("volumeMounts"));
    assertFalse(volumes.contains("/opt/spoa"), "no volume hides the image's jar and JVM flags: " + volumes);
    String unit = read("deploy/systemd/spoa-agent.service");
    assertTrue(unit.contains("install -D -m644 conf/jvm.options /etc/spoa/jvm.options"), unit);
    assertTrue(unit.contains("ExecStart=/usr/bin/java @/etc/spoa/jvm.options -jar "), unit);
    assertTrue(read("deploy/README.md").contains("install -D -m644 conf/jvm.options /etc/spoa/jvm.options"));
    assertTrue(read("demo.sh").contains("java @conf/jvm.options \"${agent_cmd[@]}\""));
  }

  @Test
  void theDashboardQueriesOnlyDocumentedMetrics() throws IOException {
    JsonObject dashboard = new JsonObject(read("deploy/grafana/spoa-dashboard.json"));
    String reference = read("docs/metrics.md");
    Pattern metric = Pattern.compile("spoa_[a-z_]+");
    int checked = 0;
    for (Object p : dashboard.getJsonArray("panels")) {
      for (Object t : ((JsonObject) p).getJsonArray("targets")) {
        Matcher m = metric.matcher(((JsonObject) t).getString("expr"));
        while (m.find()) {
          String base = m.group().replaceAll("_(bucket|count|sum)$", "");
          assertTrue(reference.contains("`" + base + "`"), base + " is not in docs/metrics.md");
          checked++;
        }
      }
    }
    assertTrue(checked >= 8, "the dashboard has queries: " + checked);
  }
}
