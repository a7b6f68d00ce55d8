package dev.weir.kinesis.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.kinesis.ShardPosition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShuffleChainsTest {

    /** What two source shards send one shuffle shard, in their source order. */
    private static Map<String, List<ShuffleEnvelope>> sent(Random random, int records) {
        Map<String, List<ShuffleEnvelope>> sent = new LinkedHashMap<>();
        for (String shard : List.of("shard-a", "shard-b")) {
            List<ShuffleEnvelope> envelopes = new ArrayList<>();
            Optional<ShardPosition> last = Optional.empty();
            long max = 0;
            // sequence numbers grow by uneven steps, and are compared as numbers, not strings
            long sequence = 5;
            for (int i = 0; i < records; i++) {
                sequence += 1 + random.nextInt(200);
                max = Math.max(max, random.nextInt(10_000));
                if (random.nextInt(3) == 0) {
                    // the record went to another shuffle shard: only a later progress report says so here
                    continue;
                }
                ShardPosition position = new ShardPosition(Long.toString(sequence), 0);
                envelopes.add(new ShuffleEnvelope.Data(shard, position, last, max, max, new byte[] {1}, new Object[0],
                        "pk", new byte[0], 0, null));
                last = Optional.of(position);
                if (random.nextInt(10) == 0) {
                    envelopes.add(new ShuffleEnvelope.Progress(shard, last, max, ShuffleEnvelope.ACTIVE));
                }
            }
            envelopes.add(new ShuffleEnvelope.Ended(shard, last, List.of()));
            sent.put(shard, envelopes);
        }
        return sent;
    }

    /**
     * How the envelopes land in the shuffle shard: each source task puts its records in calls of up to 30; a call's
     * entries land in any order (the failed ones of a batched put are retried after the others), progress and ends
     * in calls of their own after the records they follow; the calls of the two source tasks interleave; one source
     * task restarts from an earlier checkpoint and sends a stretch again.
     */
    private static List<ShuffleEnvelope> landed(Random random, Map<String, List<ShuffleEnvelope>> sent) {
        Map<String, List<List<ShuffleEnvelope>>> calls = new HashMap<>();
        sent.forEach((shard, envelopes) -> {
            List<List<ShuffleEnvelope>> shardCalls = new ArrayList<>();
            List<ShuffleEnvelope> call = new ArrayList<>();
            for (ShuffleEnvelope envelope : envelopes) {
                if (envelope instanceof ShuffleEnvelope.Data) {
                    call.add(envelope);
                    if (call.size() < 30 && random.nextInt(8) != 0) {
                        continue;
                    }
                } else {
                    if (!call.isEmpty()) {
                        shardCalls.add(call);
                    }
                    call = new ArrayList<>(List.of(envelope));
                }
                shardCalls.add(call);
                call = new ArrayList<>();
            }
            if (!call.isEmpty()) {
                shardCalls.add(call);
            }
            // a restart: a stretch of calls sent again, as the restarted task reads from its checkpoint
            int from = shardCalls.size() / 3;
            List<List<ShuffleEnvelope>> again = new ArrayList<>();
            for (List<ShuffleEnvelope> c : shardCalls.subList(from, from + shardCalls.size() / 4)) {
                again.add(c.stream().filter(e -> e instanceof ShuffleEnvelope.Data).toList());
            }
            shardCalls.addAll(from + shardCalls.size() / 4, again);
            calls.put(shard, shardCalls);
        });
        List<ShuffleEnvelope> landed = new ArrayList<>();
        Map<String, Integer> next = new HashMap<>();
        while (next.size() < calls.size() || calls.entrySet().stream()
                .anyMatch(e -> next.getOrDefault(e.getKey(), 0) < e.getValue().size())) {
            List<String> shards = calls.keySet().stream()
                    .filter(s -> next.getOrDefault(s, 0) < calls.get(s).size()).toList();
            if (shards.isEmpty()) {
                break;
            }
            String shard = shards.get(random.nextInt(shards.size()));
            int i = next.getOrDefault(shard, 0);
            next.put(shard, i + 1);
            List<ShuffleEnvelope> call = new ArrayList<>(calls.get(shard).get(i));
            Collections.shuffle(call, random);
            landed.addAll(call);
        }
        return landed;
    }

    @Test
    void envelopesLandingOutOfOrderAndTwiceAreAppliedInSourceOrderOnce() {
        for (long seed = 1; seed <= 50; seed++) {
            Random random = new Random(seed);
            Map<String, List<ShuffleEnvelope>> sent = sent(random, 400);
            List<ShuffleEnvelope> landed = landed(random, sent);
            ShuffleChains chains = new ShuffleChains();
            Map<String, List<ShuffleEnvelope>> applied = new HashMap<>();
            long shufflePosition = 1000;
            for (ShuffleEnvelope envelope : landed) {
                shufflePosition += 1 + random.nextInt(5);
                chains.read(envelope, new ShardPosition(Long.toString(shufflePosition), 0),
                        e -> applied.computeIfAbsent(e.sourceShard(), s -> new ArrayList<>()).add(e));
            }
            for (String shard : sent.keySet()) {
                List<ShuffleEnvelope> expected = sent.get(shard);
                List<ShuffleEnvelope> got = applied.get(shard);
                // every data record and the end once, in source order; progress reports in their place or dropped
                assertEquals(expected.stream().filter(e -> !(e instanceof ShuffleEnvelope.Progress)).toList(),
                        got.stream().filter(e -> !(e instanceof ShuffleEnvelope.Progress)).toList(),
                        "seed " + seed + ", " + shard);
                int at = -1;
                for (ShuffleEnvelope e : got) {
                    int index = indexOf(expected, e);
                    assertTrue(index > at, "seed " + seed + ": " + e + " applied out of its source order");
                    at = index;
                }
            }
            assertEquals(0, chains.waiting(), "seed " + seed + ": nothing left waiting");
            assertEquals(Optional.of(new ShardPosition(Long.toString(shufflePosition), 0)), chains.resumeAfter());
        }
    }

    @Test
    void aTaskResumesBeforeTheOldestEnvelopeStillWaiting() {
        ShuffleChains chains = new ShuffleChains();
        List<ShuffleEnvelope> applied = new ArrayList<>();
        ShardPosition p1 = new ShardPosition("100", 0);
        ShardPosition p2 = new ShardPosition("200", 0);
        ShardPosition p3 = new ShardPosition("300", 0);
        var first = new ShuffleEnvelope.Data("a", p1, Optional.empty(), 1, 1, new byte[] {1}, new Object[0], "k",
                new byte[0], 0, null);
        var second = new ShuffleEnvelope.Data("a", p2, Optional.of(p1), 2, 2, new byte[] {1}, new Object[0], "k",
                new byte[0], 0, null);
        var third = new ShuffleEnvelope.Data("a", p3, Optional.of(p2), 3, 3, new byte[] {1}, new Object[0], "k",
                new byte[0], 0, null);
        chains.read(first, new ShardPosition("10", 0), applied::add);
        chains.read(third, new ShardPosition("11", 0), applied::add);
        assertEquals(List.of(first), applied, "the third waits for the second");
        assertEquals(Optional.of(new ShardPosition("10", 0)), chains.resumeAfter(),
                "a restart must read the waiting third again");
        chains.read(second, new ShardPosition("12", 0), applied::add);
        assertEquals(List.of(first, second, third), applied);
        assertEquals(Optional.of(new ShardPosition("12", 0)), chains.resumeAfter());
        chains.read(second, new ShardPosition("13", 0), applied::add);
        assertEquals(3, applied.size(), "a repeat is dropped");
        assertEquals(Optional.of(p3), chains.applied("a"));
    }

    @Test
    void aProgressReportOlderThanTheAppliedRecordsIsDropped_anEndIsNot() {
        ShuffleChains chains = new ShuffleChains();
        List<ShuffleEnvelope> applied = new ArrayList<>();
        ShardPosition p1 = new ShardPosition("100", 0);
        ShardPosition p2 = new ShardPosition("200", 0);
        chains.restore("a", p2);
        chains.read(new ShuffleEnvelope.Progress("a", Optional.of(p1), 5, 60_000), new ShardPosition("1", 0),
                applied::add);
        assertEquals(List.of(), applied, "a report made before record p2 was read would mark the shard idle");
        var ended = new ShuffleEnvelope.Ended("a", Optional.of(p2), List.of("child"));
        chains.read(ended, new ShardPosition("2", 0), applied::add);
        assertEquals(List.of(ended), applied);
    }

    private static int indexOf(List<ShuffleEnvelope> list, ShuffleEnvelope envelope) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == envelope) {
                return i;
            }
        }
        throw new AssertionError(envelope + " was never sent");
    }
}
