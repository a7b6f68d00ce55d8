package dev.weir.runtime.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputLinesTest {
    private static List<String> lines(String input, int maxKept) throws Exception {
        InputLines lines = new InputLines(new ByteArrayInputStream(input.getBytes(StandardCharsets.ISO_8859_1)), maxKept);
        List<String> out = new ArrayList<>();
        for (InputLines.Line l = lines.next(); l != null; l = lines.next()) {
            out.add(new String(l.bytes(), StandardCharsets.ISO_8859_1) + (l.whole() ? "" : "…" + l.size()));
        }
        return out;
    }

    @Test
    void splitsOnNewlineOnly_dropsTheCrOfCrlf_andKeepsBlankLines() throws Exception {
        assertEquals(List.of("a", "", "b\rc", "d", "", "e"), lines("a\n\nb\rc\nd\r\n\r\ne", 100));
        assertEquals(List.of("a"), lines("a\n", 100), "a final newline ends the last line, it starts none");
        assertEquals(List.of(), lines("", 100));
    }

    @Test
    void aLongLineKeepsItsFirstBytesAndItsSize() throws Exception {
        String longLine = "x".repeat(200_000);
        assertEquals(List.of("ab", "xxxx…200000", "xxxx…200000", "c"),
                lines("ab\n" + longLine + "\n" + longLine + "\r\nc", 4));
        assertEquals(List.of("abcd"), lines("abcd\r\n", 4), "the CR does not count against the limit");
    }
}
