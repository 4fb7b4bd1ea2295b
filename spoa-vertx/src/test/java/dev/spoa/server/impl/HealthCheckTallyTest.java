package dev.spoa.server.impl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthCheckTallyTest {

  @Test
  void noHostCheckedMeansNothingToWaitFor() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.drainStarted();
    assertTrue(tally.downEverywhere(3));
  }

  @Test
  void everyHostThatCheckedMustHaveHadThatManyRefusals() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.answered("10.0.0.1");
    tally.answered("10.0.0.2");
    tally.drainStarted();
    for (int i = 0; i < 3; i++) {
      assertFalse(tally.downEverywhere(3), "after " + i + " refusals of the first host");
      tally.refused("10.0.0.1");
    }
    assertFalse(tally.downEverywhere(3), "the second HAProxy has not refused enough yet");
    tally.refused("10.0.0.2");
    tally.refused("10.0.0.2");
    assertFalse(tally.downEverywhere(3));
    tally.refused("10.0.0.2");
    assertTrue(tally.downEverywhere(3));
    assertEquals(6, tally.refusedCount());
  }

  @Test
  void aHostFirstSeenDuringTheDrainCountsToo() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.drainStarted();
    tally.refused("10.0.0.3");
    assertFalse(tally.downEverywhere(2));
    tally.refused("10.0.0.3");
    assertTrue(tally.downEverywhere(2));
  }

  @Test
  void aLaterDrainStartsANewTally() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.answered("h");
    tally.drainStarted();
    tally.refused("h");
    assertTrue(tally.downEverywhere(1));
    tally.drainEnded();
    tally.drainStarted();
    assertFalse(tally.downEverywhere(1), "refusals of the earlier drain do not count");
    assertEquals(0, tally.refusedCount());
  }

  @Test
  void zeroRequiredChecksDoesNotWait() {
    HealthCheckTally tally = new HealthCheckTally();
    tally.answered("h");
    tally.drainStarted();
    assertTrue(tally.downEverywhere(0));
  }
}
