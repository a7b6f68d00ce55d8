package dev.weir.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.LocalTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KubeApiServerMidnightTest {

    @Test
    void aStartWhoseTimeoutWouldCrossMidnightWaitsForMidnightFirst() {
        // the fresh-clone CI's two failed starts, at 23:59:44 with kube-api-test's default 60 s
        Duration wait = TestKubeApiServer.awayFromMidnight(LocalTime.of(23, 59, 44), 60_000).orElseThrow();
        assertEquals(16_500, wait.toMillis(), 1, "until just after midnight");
        assertEquals(Optional.empty(), TestKubeApiServer.awayFromMidnight(LocalTime.of(23, 58, 54), 60_000),
                "65 s of room left before midnight");
        assertEquals(Optional.empty(), TestKubeApiServer.awayFromMidnight(LocalTime.NOON, 60_000));
        assertEquals(Optional.empty(), TestKubeApiServer.awayFromMidnight(LocalTime.MIDNIGHT, 60_000));
    }
}
