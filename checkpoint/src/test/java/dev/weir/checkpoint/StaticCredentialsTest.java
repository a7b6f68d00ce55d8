package dev.weir.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class StaticCredentialsTest {

    @Test
    void noVariablesMeansTheDefaultChain() {
        assertEquals(Optional.empty(), StaticCredentials.fromEnvironment(Map.of()));
    }

    @Test
    void bothKeysAreRead() {
        StaticCredentials credentials = StaticCredentials.fromEnvironment(Map.of(
                StaticCredentials.ACCESS_KEY_ID_ENV, "AKIDEXAMPLE",
                StaticCredentials.SECRET_ACCESS_KEY_ENV, "wJalrXUtnFEMI",
                StaticCredentials.SESSION_TOKEN_ENV, "FwoGZXIvYXdzEXAMPLE")).orElseThrow();

        assertEquals("AKIDEXAMPLE", credentials.accessKeyId());
        assertEquals("wJalrXUtnFEMI", credentials.secretAccessKey());
        assertEquals(Optional.of("FwoGZXIvYXdzEXAMPLE"), credentials.sessionToken());
        assertFalse(credentials.toString().contains("wJalrXUtnFEMI") || credentials.toString().contains("FwoGZXIvYXdzEXAMPLE"),
                credentials.toString());
    }

    @Test
    void oneKeyWithoutTheOtherNamesTheMissingVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StaticCredentials.fromEnvironment(Map.of(StaticCredentials.ACCESS_KEY_ID_ENV, "AKIDEXAMPLE")));
        assertTrue(e.getMessage().contains(StaticCredentials.SECRET_ACCESS_KEY_ENV + " is not set"), e.getMessage());
    }
}
