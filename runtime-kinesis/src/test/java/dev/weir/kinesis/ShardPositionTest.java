package dev.weir.kinesis;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShardPositionTest {

    @Test
    void positionsAreOrderedByNumberNotByText() {
        ShardPosition nine = ShardPosition.of("9");
        ShardPosition ten = ShardPosition.of("10");
        ShardPosition tenSub2 = new ShardPosition("10", 2);
        ShardPosition large = ShardPosition.of("49590338271490256608559692538361571095921575989136588898");

        assertEquals(List.of(nine, ten, tenSub2, large), Stream.of(large, tenSub2, ten, nine).sorted().toList());
    }

    @Test
    void theStringFormReadsBack() {
        for (ShardPosition position : List.of(ShardPosition.of("4959"), new ShardPosition("4959", 3))) {
            assertEquals(position, ShardPosition.parse(position.toString()));
        }
        assertEquals("4959/3", new ShardPosition("4959", 3).toString());
    }

    @Test
    void badPositionsAreRefusedSayingWhatIsExpected() {
        assertEquals("a Kinesis sequence number is a decimal number, was 'TRIM_HORIZON'",
                assertThrows(IllegalArgumentException.class, () -> ShardPosition.parse("TRIM_HORIZON")).getMessage());
        assertEquals("a shard position is SEQUENCE or SEQUENCE/SUB with decimal numbers, was '12/x'",
                assertThrows(IllegalArgumentException.class, () -> ShardPosition.parse("12/x")).getMessage());
    }
}
