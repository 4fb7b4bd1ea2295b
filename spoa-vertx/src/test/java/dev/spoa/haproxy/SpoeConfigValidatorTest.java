package dev.spoa.haproxy;

import dev.spoa.haproxy.SpoeFinding.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoeConfigValidatorTest {

  /** Line numbers: 1 [iprep], 2 spoe-agent, 3 messages, 4 var-prefix, 5 set-on-error, 6 processing, 7 hello, 8 idle, 9 use-backend, 10 spoe-message, 11 args, 12 event. */
  static final String GOOD = String.join("\n",
    "[iprep]",
    "spoe-agent iprep-agent",
    "    messages check-client-ip",
    "    option var-prefix iprep",
    "    option set-on-error error",
    "    timeout processing 500ms",
    "    timeout hello 2s",
    "    timeout idle 2m",
    "    use-backend spoe-iprep",
    "spoe-message check-client-ip",
    "    args ip=src",
    "    event on-frontend-http-request",
    "");

  private static final SpoeConfigValidator IPREP = SpoeConfigValidator.create(TestSpecs.ipRep());

  @Test
  void shippedIpReputationFileIsClean() throws Exception {
    Path conf = Path.of("..", "conf", "spoe-iprep.conf");
    assertEquals(List.of(), IPREP.validate(conf));
  }

  @Test
  void baseOfTheBrokenFilesIsClean() {
    assertEquals(List.of(), IPREP.validate(GOOD));
  }

  @Test
  void generatedOutputIsClean() {
    for (AgentSpec spec : List.of(TestSpecs.ipRep(), TestSpecs.statsUnix())) {
      for (HaproxyVersion v : HaproxyVersion.values()) {
        String spoe = HaproxyConfigGenerator.create(v).spoeFile(spec);
        assertEquals(List.of(), SpoeConfigValidator.create(spec).haproxyVersion(v).validate(spoe), v + "\n" + spoe);
      }
    }
  }

  @Test
  void commentsQuotesAndEscapesAreReadAsHaproxyDoes() {
    String text = GOOD
      .replace("[iprep]", "# header\n[iprep]   # engine")
      .replace("args ip=src", "args \"ip=src\"   # quoted  \\# not a comment start")
      .replace("option var-prefix iprep", "option var-prefix 'iprep'");
    // the first unquoted '#' starts the comment: the escaped one after it is part of the comment
    List<SpoeFinding> f = IPREP.validate(text);
    assertEquals(List.of(), f);
    assertEquals(List.of("a", "b c", "d#e", "f"), SpoeFile.split("  a \"b c\" d\\#e f # comment"));
    assertEquals(List.of("x", "it's"), SpoeFile.split("x 'it'\\''s'"));
  }

  static Stream<Arguments> brokenFiles() {
    return Stream.of(
      Arguments.of("unknown message, served one not sent",
        GOOD.replace("check-client-ip", "check-ip"),
        Set.of("3:ERROR:unknown-message", "2:WARNING:message-not-sent")),
      Arguments.of("arg the handler expects is missing",
        GOOD.replace("args ip=src", "args src"),
        Set.of("10:ERROR:missing-arg")),
      Arguments.of("no var-prefix and the agent name has '-'",
        GOOD.replace("    option var-prefix iprep\n", ""),
        Set.of("2:ERROR:var-prefix-missing")),
      Arguments.of("var-prefix with '-'",
        GOOD.replace("option var-prefix iprep", "option var-prefix ip-rep"),
        Set.of("4:ERROR:var-prefix-invalid")),
      Arguments.of("var-prefix other than the spec's",
        GOOD.replace("option var-prefix iprep", "option var-prefix rep"),
        Set.of("4:WARNING:var-prefix-mismatch")),
      Arguments.of("no var-prefix, valid agent name other than the prefix",
        GOOD.replace("    option var-prefix iprep\n", "").replace("spoe-agent iprep-agent", "spoe-agent iprep_agent"),
        Set.of("2:WARNING:var-prefix-mismatch")),
      Arguments.of("set-on-error name with '-'",
        GOOD.replace("option set-on-error error", "option set-on-error spoe-error"),
        Set.of("5:ERROR:variable-name-invalid")),
      Arguments.of("set-on-error name truncated",
        GOOD.replace("option set-on-error error", "option set-on-error " + "e".repeat(54)),
        Set.of("5:ERROR:variable-name-truncated")),
      Arguments.of("prefix long enough to truncate sess.<prefix>.ip_score",
        GOOD.replace("option var-prefix iprep", "option var-prefix " + "p".repeat(50)),
        Set.of("4:WARNING:var-prefix-mismatch", "4:ERROR:variable-name-truncated")),
      Arguments.of("timeout processing missing",
        GOOD.replace("    timeout processing 500ms\n", ""),
        Set.of("2:ERROR:processing-timeout-missing")),
      Arguments.of("timeout processing equal to the deadline",
        GOOD.replace("timeout processing 500ms", "timeout processing 400"),
        Set.of("6:ERROR:processing-timeout-too-low")),
      Arguments.of("timeout hello and idle missing (2.6)",
        GOOD.replace("    timeout hello 2s\n    timeout idle 2m\n", ""),
        Set.of("2:WARNING:timeout-missing")),
      Arguments.of("timeout idle above the agent's 10 min idle timeout",
        GOOD.replace("timeout idle 2m", "timeout idle 1h"),
        Set.of("8:WARNING:idle-timeout-too-high")),
      Arguments.of("no use-backend",
        GOOD.replace("    use-backend spoe-iprep\n", ""),
        Set.of("2:ERROR:backend-missing")),
      Arguments.of("listed message without section",
        GOOD.replace("messages check-client-ip", "messages check-client-ip other"),
        Set.of("3:ERROR:undefined-message")),
      Arguments.of("message without event",
        GOOD.replace("    event on-frontend-http-request\n", ""),
        Set.of("10:WARNING:message-without-event")),
      Arguments.of("other event than the spec's",
        GOOD.replace("event on-frontend-http-request", "event on-backend-http-request"),
        Set.of("12:WARNING:event-mismatch")),
      Arguments.of("no scope for the engine",
        GOOD.replace("[iprep]", "[other]"),
        Set.of("0:ERROR:engine-scope-missing")),
      Arguments.of("no spoe-agent",
        GOOD.replace("spoe-agent iprep-agent", "spoe-message unused").replace("[iprep]", "[iprep]"),
        Set.of("1:ERROR:agent-missing")),
      Arguments.of("unknown keyword, trailing backslash, unterminated quote",
        GOOD.replace("    timeout idle 2m\n", "    timeout idle 2m\n    frobnicate 1\n")
          .replace("messages check-client-ip", "messages check-client-ip \\")
          .replace("option set-on-error error", "option set-on-error \"error"),
        Set.of("3:WARNING:syntax", "5:ERROR:syntax", "9:ERROR:syntax"))
    );
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void brokenFileYieldsExactlyTheExpectedFindings(String title, String text, Set<String> expected) {
    List<SpoeFinding> findings = IPREP.validate(text);
    Set<String> got = findings.stream()
      .map(f -> f.line() + ":" + f.severity() + ":" + f.code().id())
      .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(expected), got, () -> title + "\n" + findings.stream().map(Object::toString).collect(Collectors.joining("\n")));
    assertEquals(expected.size(), findings.size(), findings::toString);
    findings.forEach(f -> assertFalse(f.message().isBlank()));
  }

  @Test
  void everyRuleIsExercised() {
    Set<Code> seen = EnumSet.noneOf(Code.class);
    brokenFiles().forEach(a -> IPREP.validate((String) a.get()[1]).forEach(f -> seen.add(f.code())));
    String stats = HaproxyConfigGenerator.create(HaproxyVersion.V2_6_TO_3_0).spoeFile(TestSpecs.statsUnix());
    SpoeConfigValidator.create(TestSpecs.statsUnix()).validate(stats.replace("register-var-names requests", ""))
      .forEach(f -> seen.add(f.code()));
    assertEquals(EnumSet.allOf(Code.class), seen);
  }

  @Test
  void procScopeNeedsRegistrationOrForceSetVar() {
    AgentSpec spec = TestSpecs.statsUnix();
    SpoeConfigValidator v = SpoeConfigValidator.create(spec);
    String generated = HaproxyConfigGenerator.create(HaproxyVersion.V2_6_TO_3_0).spoeFile(spec);
    String unregistered = generated.replace("    register-var-names requests\n", "");
    List<SpoeFinding> f = v.validate(unregistered);
    assertEquals(1, f.size(), f::toString);
    assertEquals(Code.PROC_VARIABLE_NOT_REGISTERED, f.get(0).code());
    assertEquals(SpoeFinding.Severity.ERROR, f.get(0).severity());
    assertTrue(f.get(0).message().contains("proc.st.requests"), f.get(0).message());
    assertEquals(unregistered.lines().toList().indexOf("spoe-agent stats-agent") + 1, f.get(0).line());
    assertEquals(List.of(), v.validate(unregistered.replace("    use-backend", "    option force-set-var\n    use-backend")));
    // registered names are checked like other variable names
    List<SpoeFinding> bad = v.validate(generated.replace("register-var-names requests", "register-var-names requests bad-name"));
    assertEquals(List.of(Code.VARIABLE_NAME_INVALID), bad.stream().map(SpoeFinding::code).toList());
  }

  @Test
  void processingTimeoutIsCheckedPerMessageDeadline() {
    AgentSpec spec = TestSpecs.statsUnix(); // count-request 300 ms, check-body 1500 ms
    String generated = HaproxyConfigGenerator.create(HaproxyVersion.V2_6_TO_3_0).spoeFile(spec);
    List<SpoeFinding> f = SpoeConfigValidator.create(spec).validate(generated.replace("timeout processing 1600ms", "timeout processing 1s"));
    assertEquals(1, f.size(), f::toString);
    assertEquals(Code.PROCESSING_TIMEOUT_TOO_LOW, f.get(0).code());
    assertTrue(f.get(0).message().contains("check-body") && f.get(0).message().contains("1500"), f.get(0).message());
  }

  @Test
  void sixtyThreeCharactersAreKept() {
    // txn.iprep. (10) + 53 = 63: the limit itself is fine, one more is truncated
    assertEquals(List.of(), IPREP.validate(GOOD.replace("set-on-error error", "set-on-error " + "e".repeat(53))));
    assertEquals(List.of(Code.VARIABLE_NAME_TRUNCATED), IPREP.validate(GOOD.replace("set-on-error error", "set-on-error " + "e".repeat(54)))
      .stream().map(SpoeFinding::code).toList());
  }

  @Test
  void family31DoesNotAskForHelloAndIdle() {
    String noHelloIdle = GOOD.replace("    timeout hello 2s\n    timeout idle 2m\n", "");
    assertEquals(List.of(), IPREP.haproxyVersion(HaproxyVersion.V3_1_PLUS).validate(noHelloIdle));
    IPREP.haproxyVersion(HaproxyVersion.V2_6_TO_3_0);
  }

  @Test
  void otherScopesAreIgnored() {
    String text = "[other]\nspoe-agent x-y\n    bogus directive\n" + GOOD;
    List<SpoeFinding> f = IPREP.validate(text);
    assertEquals(List.of(), f);
  }

  /** Where the validator says HAProxy rejects the file, the real haproxy -c agrees, and the reverse. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void haproxy26AgreesOnRejection(String title, String text, Set<String> expected, @TempDir Path dir) throws Exception {
    Set<String> rejectedByHaproxy = Set.of("var-prefix-missing", "var-prefix-invalid", "variable-name-invalid",
      "backend-missing", "undefined-message", "engine-scope-missing", "agent-missing", "syntax");
    boolean expectReject = expected.stream().anyMatch(e -> e.contains(":ERROR:") && rejectedByHaproxy.contains(e.substring(e.lastIndexOf(':') + 1)));
    AgentSpec spec = TestSpecs.ipRep();
    HaproxyConfigGenerator gen = HaproxyConfigGenerator.create(HaproxyVersion.V2_6_TO_3_0);
    TestSpecs.Check c = TestSpecs.haproxyCheck(dir, text, path -> gen.frontendLines(spec, path), gen.backend(spec));
    if (expectReject) {
      assertNotEquals(0, c.exitCode(), c.output());
    } else {
      assertEquals(0, c.exitCode(), c.output());
    }
  }
}
