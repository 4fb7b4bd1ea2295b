package dev.spoa.haproxy;

import java.util.ArrayList;
import java.util.List;

/**
 * An SPOE file split the way HAProxy reads it: {@code [scope]} lines, then sections
 * ({@code spoe-agent}, {@code spoe-message}, {@code spoe-group}) whose lines are words. Words
 * follow HAProxy's config syntax: blanks separate them, {@code #} starts a comment outside quotes,
 * double quotes allow backslash escapes, single quotes none, and a backslash escapes the next
 * character. There is no line continuation: HAProxy reads each line alone (a trailing backslash
 * escapes nothing and the next line is a new directive).
 */
final class SpoeFile {

  /** One directive line. */
  record Line(int number, List<String> words) {
    String keyword() {
      return words.get(0);
    }

    String arg(int i) {
      return i < words.size() ? words.get(i) : null;
    }
  }

  /** A section with its header line and directives. */
  static final class Section {
    final String kind;
    final String name;
    final int line;
    final List<Line> lines = new ArrayList<>();

    Section(String kind, String name, int line) {
      this.kind = kind;
      this.name = name;
      this.line = line;
    }
  }

  /** A {@code [scope]} (name {@code ""} before any scope line). */
  static final class ScopeBlock {
    final String name;
    final int line;
    final List<Section> sections = new ArrayList<>();
    /** Directive lines met before any section of this scope. */
    final List<Line> orphans = new ArrayList<>();

    ScopeBlock(String name, int line) {
      this.name = name;
      this.line = line;
    }
  }

  static final List<String> SECTION_KEYWORDS = List.of("spoe-agent", "spoe-message", "spoe-group");

  final List<ScopeBlock> scopes = new ArrayList<>();
  /** Lines that could not be split (line number, problem). */
  final List<SpoeFinding> problems = new ArrayList<>();

  static SpoeFile parse(String text) {
    SpoeFile file = new SpoeFile();
    ScopeBlock scope = new ScopeBlock("", 0);
    file.scopes.add(scope);
    Section section = null;
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      String raw = lines[i];
      String trimmed = raw.strip();
      if (trimmed.startsWith("[")) {
        int close = trimmed.indexOf(']');
        String after = close < 0 ? "" : trimmed.substring(close + 1).strip();
        if (close < 0 || !(after.isEmpty() || after.startsWith("#"))) {
          file.problems.add(syntax(number, "a scope line must be '[name]'"));
          continue;
        }
        String name = trimmed.substring(1, close).strip();
        if (name.isEmpty() || name.indexOf('[') >= 0) {
          file.problems.add(syntax(number, "invalid scope name '" + name + "'"));
          continue;
        }
        scope = new ScopeBlock(name, number);
        file.scopes.add(scope);
        section = null;
        continue;
      }
      List<String> words;
      boolean[] trailing = new boolean[1];
      try {
        words = split(raw, trailing);
        if (trailing[0]) {
          file.problems.add(new SpoeFinding(SpoeFinding.Severity.WARNING, SpoeFinding.Code.SYNTAX, number,
            "trailing '\\': HAProxy has no line continuation, the next line is read as a directive of its own"));
        }
      } catch (IllegalArgumentException e) {
        file.problems.add(syntax(number, e.getMessage()));
        continue;
      }
      if (words.isEmpty()) {
        continue;
      }
      Line line = new Line(number, List.copyOf(words));
      if (SECTION_KEYWORDS.contains(words.get(0))) {
        if (words.size() < 2) {
          file.problems.add(syntax(number, "'" + words.get(0) + "' needs a name"));
          section = null;
          continue;
        }
        section = new Section(words.get(0), words.get(1), number);
        scope.sections.add(section);
      } else if (section == null) {
        scope.orphans.add(line);
      } else {
        section.lines.add(line);
      }
    }
    return file;
  }

  /** The scope named {@code name}, or {@code null}. */
  ScopeBlock scope(String name) {
    for (ScopeBlock s : scopes) {
      if (s.name.equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** Splits a line into words as HAProxy's parse_line does (comments, quotes, escapes). */
  static List<String> split(String line) {
    return split(line, new boolean[1]);
  }

  static List<String> split(String line, boolean[] trailingBackslash) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    int n = line.length();
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
        continue;
      }
      if (c == '\\') {
        if (i + 1 >= n) {
          trailingBackslash[0] = true; // HAProxy ignores it: no line continuation
          break;
        }
        if (word == null) {
          word = new StringBuilder();
        }
        char e = line.charAt(++i);
        if (e == 'x' && i + 2 < n && isHex(line.charAt(i + 1)) && isHex(line.charAt(i + 2))) {
          word.append((char) Integer.parseInt(line.substring(i + 1, i + 3), 16));
          i += 2;
        } else if (e == 'n') {
          word.append('\n');
        } else if (e == 'r') {
          word.append('\r');
        } else if (e == 't') {
          word.append('\t');
        } else {
          word.append(e);
        }
        continue;
      }
      if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else {
          word.append(c);
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        if (word == null) {
          word = new StringBuilder();
        }
        quote = c;
        continue;
      }
      if (c == '#') {
        break;
      }
      if (c == ' ' || c == '\t') {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        continue;
      }
      if (word == null) {
        word = new StringBuilder();
      }
      word.append(c);
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated " + (quote == '"' ? "double" : "single") + " quote");
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  private static SpoeFinding syntax(int line, String message) {
    return new SpoeFinding(SpoeFinding.Severity.ERROR, SpoeFinding.Code.SYNTAX, line, message);
  }
}
