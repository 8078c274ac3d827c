package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pauses between attempts to reach a database. */
class RetriesTest {

    @Test
    void thePauseDoublesAfterEachFailureUpToFiveSeconds() {
        Retries retries = new Retries(20, Duration.ofMillis(100));
        assertEquals(Duration.ofMillis(100), retries.pauseAfter(1));
        assertEquals(Duration.ofMillis(200), retries.pauseAfter(2));
        assertEquals(Duration.ofMillis(3_200), retries.pauseAfter(6));
        assertEquals(Duration.ofSeconds(5), retries.pauseAfter(7));
        assertEquals(Duration.ofSeconds(5), retries.pauseAfter(Integer.MAX_VALUE));
    }

    @Test
    void aFirstPauseLongerThanFiveSecondsIsKeptAndNeverOverflows() {
        Retries retries = new Retries(100, Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(30), retries.pauseAfter(1));
        assertEquals(Duration.ofSeconds(30), retries.pauseAfter(64));
    }

    @Test
    void noPauseStaysNoPause() {
        assertEquals(Duration.ZERO, new Retries(5, Duration.ZERO).pauseAfter(5));
    }
}
