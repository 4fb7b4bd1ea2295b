package dev.spoa.agent.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code agent.logLevel} for the log backend: logback's levels can change while the agent runs;
 * with any other backend the level is the backend's own configuration.
 */
final class LogLevels {

  private static final boolean LOGBACK = logback();

  private LogLevels() {
  }

  private static boolean logback() {
    try {
      Class.forName("ch.qos.logback.classic.Logger", false, LogLevels.class.getClassLoader());
      return LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME).getClass().getName().equals("ch.qos.logback.classic.Logger");
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Sets the root level; false when the backend is not logback. */
  static boolean apply(String level) {
    if (LOGBACK) {
      Logback.setLevel(Logger.ROOT_LOGGER_NAME, level, true);
    }
    return LOGBACK;
  }

  /**
   * Micrometer warns at every start that vertx-micrometer-metrics registers its gauges again, which
   * it does on purpose (vert-x3/vertx-micrometer-metrics#259): that one logger is set to ERROR,
   * unless the application's log configuration names it.
   */
  static void quietKnownNoise() {
    if (LOGBACK) {
      Logback.setLevel("io.micrometer.core.instrument.MeterRegistry", "error", false);
    }
  }

  /** Touches logback's classes only when logback is the backend. */
  private static final class Logback {
    static void setLevel(String logger, String level, boolean override) {
      if (LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l && (override || l.getLevel() == null)) {
        l.setLevel(ch.qos.logback.classic.Level.toLevel(level, ch.qos.logback.classic.Level.INFO));
      }
    }
  }
}
