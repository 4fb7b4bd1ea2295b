package dev.spoa.agent.impl;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The agent's handler of exceptions nothing caught: a trace, except for one known Vert.x race. */
class UnhandledExceptionLogTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger(UnhandledExceptions.class);
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();

  @BeforeEach
  void capture() {
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void release() {
    logger.detachAppender(events);
  }

  private static IllegalStateException thrownBy(String className, String message) {
    IllegalStateException e = new IllegalStateException(message);
    e.setStackTrace(new StackTraceElement[] {new StackTraceElement(className, "writeMessage", "X.java", 86)});
    return e;
  }

  @Test
  void theKnownClusteredEventBusRaceIsOneLineWithoutATrace() {
    UnhandledExceptions.log(thrownBy("io.vertx.core.eventbus.impl.clustered.OutboundConnection", "Promise already completed"));
    assertEquals(1, events.list.size());
    assertEquals(Level.WARN, events.list.get(0).getLevel());
    assertNull(events.list.get(0).getThrowableProxy(), "no stack trace");
  }

  @Test
  void anyOtherUnhandledExceptionKeepsItsTrace() {
    UnhandledExceptions.log(thrownBy("dev.spoa.Mine", "Promise already completed"));
    UnhandledExceptions.log(thrownBy("io.vertx.core.eventbus.impl.clustered.OutboundConnection", "something else"));
    assertEquals(2, events.list.size());
    for (ILoggingEvent e : events.list) {
      assertEquals(Level.ERROR, e.getLevel());
      assertNotNull(e.getThrowableProxy(), "with its stack trace");
    }
  }
}
