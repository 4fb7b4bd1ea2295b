package dev.spoa.haproxy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The command line of the HAProxy tooling for one agent; an agent's {@code main} passes its
 * {@link AgentSpec}:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   System.exit(SpoeTool.run(List.of(args), System.out, System.err, IpReputationAgent.spec()));
 * }
 * }</pre>
 *
 * <pre>
 * generate [--haproxy 2.6|3.1] [--spoe-path PATH] [--out DIR]
 * validate [--haproxy 2.6|3.1] [--strict] SPOE-FILE
 * help
 * </pre>
 *
 * Exit codes: {@value #OK} success (validate: no error; warnings are printed), {@value #FINDINGS}
 * validate found errors (with {@code --strict}: or warnings), {@value #USAGE} bad arguments,
 * {@value #IO_ERROR} a file could not be read or written.
 */
public final class SpoeTool {

  public static final int OK = 0;
  public static final int FINDINGS = 1;
  public static final int USAGE = 2;
  public static final int IO_ERROR = 3;

  static final String USAGE_TEXT = String.join("\n",
    "usage: generate [--haproxy 2.6|3.1] [--spoe-path PATH] [--out DIR]",
    "         print (or write to DIR: spoe-<engine>.conf, haproxy-<engine>.cfg) the SPOE file,",
    "         the backend section and the frontend's 'filter spoe' line for the agent",
    "       validate [--haproxy 2.6|3.1] [--strict] SPOE-FILE",
    "         check an SPOE file against the agent; exit 1 on errors (--strict: also on warnings)",
    "       help",
    "  --haproxy: the HAProxy version (family 2.6-3.0 or 3.1+), default 2.6",
    "");

  private SpoeTool() {
  }

  /** Runs one command for {@code spec}; returns the exit code. Nothing is thrown for user mistakes. */
  public static int run(List<String> args, PrintStream out, PrintStream err, AgentSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (args == null || args.isEmpty()) {
      err.print("missing command\n" + USAGE_TEXT);
      return USAGE;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      switch (command) {
        case "generate":
          return generate(rest, out, err, spec);
        case "validate":
          return validate(rest, out, err, spec);
        case "help":
        case "--help":
        case "-h":
          out.print(USAGE_TEXT);
          return OK;
        default:
          throw new UsageException("unknown command '" + command + "'");
      }
    } catch (UsageException e) {
      err.print(e.getMessage() + "\n" + USAGE_TEXT);
      return USAGE;
    }
  }

  private static int generate(List<String> args, PrintStream out, PrintStream err, AgentSpec spec) throws UsageException {
    HaproxyVersion version = HaproxyVersion.V2_6_TO_3_0;
    String spoePath = null;
    Path outDir = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--haproxy":
          version = version(value(args, ++i, a));
          break;
        case "--spoe-path":
          spoePath = value(args, ++i, a);
          break;
        case "--out":
          outDir = Path.of(value(args, ++i, a));
          break;
        default:
          throw new UsageException("unknown argument '" + a + "' for generate");
      }
    }
    String spoeName = "spoe-" + spec.engine() + ".conf";
    if (spoePath == null) {
      spoePath = outDir != null ? outDir.resolve(spoeName).toAbsolutePath().toString() : "/etc/haproxy/" + spoeName;
    }
    HaproxyConfigGenerator gen = HaproxyConfigGenerator.create(version);
    String spoe = gen.spoeFile(spec);
    String frontend;
    try {
      frontend = gen.frontendLines(spec, spoePath);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--spoe-path: " + e.getMessage());
    }
    String cfg = "# haproxy.cfg parts for SPOE engine " + spec.engine() + " (HAProxy " + version.label() + ")\n"
      + "# in the frontend (or listen section) that calls the agent:\n" + frontend.replaceAll("(?m)^ {4}", "#    ")
      + "\n" + gen.backend(spec);
    if (outDir == null) {
      out.print("# ---- " + spoePath + " ----\n" + spoe + "\n# ---- haproxy.cfg ----\n" + cfg);
      return OK;
    }
    Path spoeFile = outDir.resolve(spoeName);
    Path cfgFile = outDir.resolve("haproxy-" + spec.engine() + ".cfg");
    try {
      Files.createDirectories(outDir);
      Files.writeString(spoeFile, spoe, StandardCharsets.UTF_8);
      Files.writeString(cfgFile, cfg, StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("cannot write to " + outDir + ": " + e);
      return IO_ERROR;
    }
    out.println("wrote " + spoeFile);
    out.println("wrote " + cfgFile);
    out.print("add to the frontend:\n" + frontend);
    return OK;
  }

  private static int validate(List<String> args, PrintStream out, PrintStream err, AgentSpec spec) throws UsageException {
    HaproxyVersion version = HaproxyVersion.V2_6_TO_3_0;
    boolean strict = false;
    List<String> files = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--haproxy")) {
        version = version(value(args, ++i, a));
      } else if (a.equals("--strict")) {
        strict = true;
      } else if (a.startsWith("--")) {
        throw new UsageException("unknown argument '" + a + "' for validate");
      } else {
        files.add(a);
      }
    }
    if (files.size() != 1) {
      throw new UsageException("validate takes exactly one SPOE file, got " + files.size());
    }
    Path file = Path.of(files.get(0));
    List<SpoeFinding> findings;
    try {
      findings = SpoeConfigValidator.create(spec).haproxyVersion(version).validate(file);
    } catch (NoSuchFileException e) {
      err.println("cannot read " + file + ": no such file");
      return IO_ERROR;
    } catch (IOException e) {
      err.println("cannot read " + file + ": " + e);
      return IO_ERROR;
    }
    long errors = findings.stream().filter(f -> f.severity() == SpoeFinding.Severity.ERROR).count();
    long warnings = findings.size() - errors;
    for (SpoeFinding f : findings) {
      out.println(file + ":" + f.line() + ": " + f.severity() + " " + f.code().id() + ": " + f.message());
    }
    out.println(file + ": " + errors + " error(s), " + warnings + " warning(s) for engine " + spec.engine()
      + " (HAProxy " + version.label() + ")");
    return errors > 0 || (strict && warnings > 0) ? FINDINGS : OK;
  }

  private static String value(List<String> args, int i, String option) throws UsageException {
    if (i >= args.size()) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(i);
  }

  private static HaproxyVersion version(String text) throws UsageException {
    try {
      return HaproxyVersion.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--haproxy: " + e.getMessage());
    }
  }

  private static final class UsageException extends Exception {
    UsageException(String message) {
      super(message, null, false, false);
    }
  }
}
