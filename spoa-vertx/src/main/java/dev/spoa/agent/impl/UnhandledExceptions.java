package dev.spoa.agent.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * What no handler caught, on any thread of an agent's Vert.x: logged with its stack trace, except a
 * known Vert.x 5.0.7 failure of the clustered event bus (a message to a node whose connection just
 * failed completes a promise twice; the request still times out into its fallback), which gets one
 * line instead of a trace each time a handler node dies.
 */
public final class UnhandledExceptions {

  private static final Logger LOG = LoggerFactory.getLogger(UnhandledExceptions.class);

  private UnhandledExceptions() {
  }

  public static void log(Throwable t) {
    boolean knownClusterRace = t instanceof IllegalStateException && "Promise already completed".equals(t.getMessage())
      && Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getClassName().endsWith("clustered.OutboundConnection"));
    if (knownClusterRace) {
      LOG.warn("clustered event bus: a request to a node that just failed was failed twice by Vert.x (known 5.0.7 issue);"
        + " the NOTIFY gets its fallback at the deadline");
    } else {
      LOG.error("unhandled exception", t);
    }
  }
}
