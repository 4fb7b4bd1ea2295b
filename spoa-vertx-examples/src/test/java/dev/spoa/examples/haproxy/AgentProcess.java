package dev.spoa.examples.haproxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** The packaged agent jar in its own JVM, with its output in a temporary log; stopped by its pid. */
public final class AgentProcess implements AutoCloseable {

  private static final Pattern LOG_ENTRY_START = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT");

  private final String name;
  private final Process process;
  private final Path log;

  private AgentProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static AgentProcess start(String name, String... args) throws IOException {
    // several agents on one host: no admin port clash
    return start(name, java.util.Map.of("SPOA_METRICS_ENABLED", "false"), List.of(args));
  }

  /** The jar with these arguments and these environment variables added to the test's. */
  public static AgentProcess start(String name, java.util.Map<String, String> env, List<String> args) throws IOException {
    return launch(name, env, List.of("-jar", jar()), args);
  }

  /** Another main class of the jar (e.g. the rate-limit agent). */
  public static AgentProcess startClass(String name, java.util.Map<String, String> env, String mainClass, List<String> args)
    throws IOException {
    return launch(name, env, List.of("-cp", jar(), mainClass), args);
  }

  /**
   * The JVM flags the Dockerfile, the systemd unit and demo.sh give the agent ({@code conf/jvm.options}),
   * as a Java argument file: the tests run the agent as operators do.
   */
  public static String jvmOptions() {
    return "@" + HaproxyProcess.confDir().resolve("jvm.options");
  }

  private static String jar() {
    Path jar = Path.of("target", "ip-reputation-agent.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("run after 'package': " + jar);
    }
    return jar.toString();
  }

  private static AgentProcess launch(String name, java.util.Map<String, String> env, List<String> what, List<String> args)
    throws IOException {
    Path log = Files.createTempFile("agent-" + name + "-", ".log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), jvmOptions(),
      "-Xmx256m"));
    cmd.addAll(what);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    return new AgentProcess(name, p, log);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /**
   * The log entries (an entry is a timestamped line and the lines that follow it) that carry a stack
   * trace, as logged: the first line names the level and the logger.
   */
  public List<String> entriesWithStackTraces() {
    List<String> entries = new ArrayList<>();
    StringBuilder entry = new StringBuilder("(before the first entry)");
    boolean traced = false;
    for (String line : log().split("\n")) {
      if (LOG_ENTRY_START.matcher(line).lookingAt()) {
        if (traced) {
          entries.add(entry.toString());
        }
        entry = new StringBuilder(line);
        traced = false;
      } else {
        entry.append('\n').append(line);
        traced |= line.startsWith("\tat ") || line.startsWith("Caused by");
      }
    }
    if (traced) {
      entries.add(entry.toString());
    }
    return entries;
  }

  /** Waits until the log shows a line containing {@code text}; fails if the process exits first. */
  public void awaitLog(String text, long timeoutSeconds) throws InterruptedException {
    awaitLog(l -> l.contains(text), text, timeoutSeconds);
  }

  public void awaitLog(Predicate<String> check, String what, long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (!check.test(log())) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError(name + " did not log '" + what + "' (alive: " + process.isAlive() + "):\n" + log());
      }
      Thread.sleep(50);
    }
  }

  /** SIGKILL by pid: the node dies without leaving the cluster. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    Files.deleteIfExists(log);
  }
}
