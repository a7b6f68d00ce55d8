package dev.weir.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class LogLevelTest {

    @Test
    void mapsSlf4jNamesToJavaUtilLoggingLevels() {
        assertEquals(Level.INFO, LogLevel.fromEnvironment(Map.of()).julLevel());
        assertEquals(Level.FINE, LogLevel.fromEnvironment(Map.of(LogLevel.VARIABLE, "debug")).julLevel());
        assertEquals(Level.WARNING, LogLevel.fromEnvironment(Map.of(LogLevel.VARIABLE, "WARN")).julLevel());
    }

    @Test
    void refusesAnUnknownLevelNamingTheVariable() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> LogLevel.fromEnvironment(Map.of(LogLevel.VARIABLE, "VERBOSE")));

        assertTrue(refused.getMessage().startsWith(LogLevel.VARIABLE + "=VERBOSE"), refused.getMessage());
    }
}
