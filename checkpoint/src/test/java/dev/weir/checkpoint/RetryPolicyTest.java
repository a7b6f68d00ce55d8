package dev.weir.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void backoffDoublesUpToTheMaximum() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(200), Duration.ofSeconds(1));

        assertEquals(Duration.ofMillis(200), policy.backoffAfter(1));
        assertEquals(Duration.ofMillis(400), policy.backoffAfter(2));
        assertEquals(Duration.ofMillis(800), policy.backoffAfter(3));
        assertEquals(Duration.ofSeconds(1), policy.backoffAfter(4));
        assertEquals(Duration.ofSeconds(1), policy.backoffAfter(64));
    }

    @Test
    void anEmptyPolicyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
