package dev.spoa.examples.haproxy;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One HAProxy executable the end-to-end tests run against, with what its version means for SPOE.
 *
 * <p>Which versions: the comma list in system property {@code haproxy.versions} or env
 * {@code HAPROXY_VERSIONS} (e.g. {@code 2.6,3.0,3.2}), each provided by
 * {@code scripts/haproxy-version} (which downloads a missing one). Without a list: every version
 * this machine already has, nothing downloaded. None at all skips the tests, except in CI
 * ({@code CI=true}), where they must run and fail instead.
 *
 * @param version    "major.minor" as HAProxy reports it, e.g. "2.6", "3.2"
 * @param executable runs that HAProxy (for 3.x a wrapper that execs it with its own libraries)
 */
public record HaproxyBinary(String version, Path executable) {

  /** The versions {@code scripts/haproxy-version} provides. */
  public static final List<String> KNOWN = List.of("2.6", "3.0", "3.2");

  /** {@code @MethodSource(HaproxyBinary.ALL)}: a parameterized test on every version. */
  public static final String ALL = "dev.spoa.examples.haproxy.HaproxyBinary#versions";

  static final String PROPERTY = "haproxy.versions";
  static final String ENV = "HAPROXY_VERSIONS";

  private static final Pattern VERSION_LINE = Pattern.compile("HAProxy version (\\d+)\\.(\\d+)\\.");

  /** Resolved once per JVM: running the script or {@code -v} for every test would add up. */
  private static List<HaproxyBinary> resolved;
  private static RuntimeException resolutionFailure;

  public HaproxyBinary {
    if (!version.matches("\\d+\\.\\d+")) {
      throw new IllegalArgumentException("version is major.minor, got '" + version + "'");
    }
  }

  public int major() {
    return Integer.parseInt(version.substring(0, version.indexOf('.')));
  }

  public int minor() {
    return Integer.parseInt(version.substring(version.indexOf('.') + 1));
  }

  public boolean atLeast(int major, int minor) {
    return major() > major || (major() == major && minor() >= minor);
  }

  /**
   * Debian's 2.6.12 lacks the upstream SPOE queue fix of 2.6.14+ (bc9fb6462: in sync mode an applet
   * did not take queued work after an ACK): under load a NOTIFY can wait in HAProxy's own queue past
   * {@code timeout processing} and never be sent to any agent. 3.0+ have the fix.
   */
  public boolean hasSpoeQueueStalls() {
    return !atLeast(3, 0);
  }

  /** 3.1 replaced the SPOE applet by a multiplexer: the agents' backend is {@code mode spop}. */
  public boolean spopMode() {
    return atLeast(3, 1);
  }

  /** Only the SPOE applet (2.6 to 3.0) fragments NOTIFYs; 3.1+ never does. */
  public boolean fragmentation() {
    return !spopMode();
  }

  /** Only the SPOE applet (2.6 to 3.0) offers async (ACKs on any connection); 3.1+ never announces it. */
  public boolean async() {
    return !spopMode();
  }

  /** The {@code mode} line of the SPOE backend: "tcp" (2.6 to 3.0; 2.6 and 3.0 reject "spop") or "spop". */
  public String backendMode() {
    return spopMode() ? "spop" : "tcp";
  }

  @Override
  public String toString() {
    return "HAProxy " + version;
  }

  /** What {@code haproxy -c} said about a configuration. */
  public record ConfigCheck(int exitCode, String output) {
    /** Exit 0 and HAProxy's own words for it. */
    public boolean valid() {
      return exitCode == 0 && output.contains("Configuration file is valid");
    }
  }

  /**
   * Runs {@code haproxy -c -V -f cfg} in the config's folder. {@code -V}: 3.x prints "Configuration
   * file is valid" only in verbose mode (2.6 always does), and it is the line that shows the check ran.
   */
  public ConfigCheck checkConfig(Path cfg) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(executable.toString(), "-c", "-V", "-f", cfg.toString())
      .directory(cfg.toAbsolutePath().getParent().toFile())
      .redirectErrorStream(true)
      .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until it exits
    return new ConfigCheck(p.waitFor(), out);
  }

  /** Every configured (or, without a configured list, installed) version; see the class comment. */
  public static synchronized List<HaproxyBinary> versions() {
    if (resolutionFailure != null) {
      throw resolutionFailure; // the same clear message for every test, without running the script again
    }
    if (resolved == null) {
      try {
        resolved = List.copyOf(configuredList().map(HaproxyBinary::provided).orElseGet(HaproxyBinary::installed));
      } catch (RuntimeException e) {
        resolutionFailure = e;
        throw e;
      }
    }
    if (resolved.isEmpty()) {
      noneAvailable("no HAProxy found (haproxy on PATH or /usr/sbin for 2.6, scripts/haproxy-version 3.0|3.2 for"
        + " the others, or set " + ENV + "=2.6,3.0,3.2)");
    }
    return resolved;
  }

  /**
   * The versions that have a feature, for {@code @MethodSource}. When none has it (e.g. only 3.2 is
   * configured and the test needs fragmentation) the test is skipped: JUnit would otherwise fail a
   * parameterized test without arguments.
   */
  public static Stream<HaproxyBinary> versions(Predicate<HaproxyBinary> feature) {
    List<HaproxyBinary> all = versions();
    List<HaproxyBinary> matching = all.stream().filter(feature).toList();
    Assumptions.assumeFalse(matching.isEmpty(), "none of " + all + " has the feature this test needs");
    return matching.stream();
  }

  private static Optional<List<String>> configuredList() {
    String list = System.getProperty(PROPERTY);
    if (list == null || list.isBlank()) {
      list = System.getenv(ENV);
    }
    if (list == null || list.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList());
  }

  /** Each listed version through {@code scripts/haproxy-version}, which downloads what is missing. */
  private static List<HaproxyBinary> provided(List<String> versions) {
    List<HaproxyBinary> out = new ArrayList<>();
    for (String v : versions) {
      Path exe = runScript(v);
      String reported = reportedVersion(exe).orElseThrow(() -> new IllegalStateException(
        exe + " (from scripts/haproxy-version " + v + ") does not run"));
      if (!reported.equals(v)) {
        throw new IllegalStateException("scripts/haproxy-version " + v + " gave " + exe + ", which is HAProxy " + reported);
      }
      out.add(new HaproxyBinary(v, exe));
    }
    return out;
  }

  /** What the machine has, without downloading: its own haproxy plus the script's cached builds. */
  private static List<HaproxyBinary> installed() {
    List<Path> candidates = new ArrayList<>();
    systemHaproxy().ifPresent(candidates::add);
    String cacheEnv = System.getenv("HAPROXY_VERSIONS_CACHE");
    Path cache = cacheEnv != null && !cacheEnv.isBlank() ? Path.of(cacheEnv)
      : Path.of(System.getProperty("user.home"), ".cache", "spoa-vertx", "haproxy");
    for (String v : KNOWN) {
      candidates.add(cache.resolve("haproxy-" + v).resolve("haproxy"));
    }
    List<HaproxyBinary> out = new ArrayList<>();
    for (Path exe : candidates) {
      if (Files.isExecutable(exe)) {
        reportedVersion(exe)
          .filter(v -> out.stream().noneMatch(b -> b.version().equals(v)))
          .ifPresent(v -> out.add(new HaproxyBinary(v, exe)));
      }
    }
    out.sort((a, b) -> a.major() != b.major() ? Integer.compare(a.major(), b.major()) : Integer.compare(a.minor(), b.minor()));
    return out;
  }

  /** {@code haproxy} on PATH, else /usr/sbin/haproxy (not on a normal user's PATH). */
  static Optional<Path> systemHaproxy() {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
      .filter(p -> !p.isEmpty())
      .map(p -> Path.of(p, "haproxy"))
      .filter(Files::isExecutable)
      .findFirst()
      .or(() -> Optional.of(Path.of("/usr/sbin/haproxy")).filter(Files::isExecutable));
  }

  /** "major.minor" from the first line of {@code -v}, or empty when it does not run. */
  static Optional<String> reportedVersion(Path exe) {
    try {
      Process p = new ProcessBuilder(exe.toString(), "-v").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      Matcher m = VERSION_LINE.matcher(out);
      return m.find() ? Optional.of(m.group(1) + "." + m.group(2)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The path {@code scripts/haproxy-version VERSION} prints; its progress goes to this JVM's stderr. */
  private static Path runScript(String version) {
    Path script = HaproxyProcess.confDir().getParent().resolve("scripts/haproxy-version");
    try {
      Process p = new ProcessBuilder(script.toString(), version)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
      // read to the end: a first download takes about a minute per version (packages and suite lists)
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0 || out.isEmpty()) {
        throw new IllegalStateException(script + " " + version + " failed (exit " + p.exitValue()
          + "); its messages are above. " + ENV + "/-D" + PROPERTY + " take versions among " + KNOWN);
      }
      return Path.of(out.lines().reduce((first, last) -> last).orElseThrow());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + " " + version + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void noneAvailable(String message) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(message + " (CI must run the HAProxy tests)");
    }
    Assumptions.abort(message);
  }
}
