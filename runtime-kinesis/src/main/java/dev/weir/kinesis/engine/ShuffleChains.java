package dev.weir.kinesis.engine;

import dev.weir.kinesis.ShardPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Puts one shuffle shard's envelopes back in their source order. The puts of a source task may land out of order
 * (a batched put's failed entries are retried after later ones), and a restarted source task sends again what it
 * sent after its checkpoint. Each envelope names the record its source shard sent to this shuffle shard before it
 * ({@link ShuffleEnvelope#after()}): an envelope is applied once that record is, a data envelope at or before the
 * last applied record of its source shard is a repeat and dropped, and everything else waits. Progress and ends are
 * applied before the data that follows the same record: they were sent before it was read.
 *
 * <p>Not thread-safe: one per window task, under its lock.
 */
final class ShuffleChains {

    private static final class Chain {
        ShardPosition applied;
        final TreeMap<ShardPosition, ShuffleEnvelope.Data> waiting = new TreeMap<>();
        final TreeMap<ShardPosition, List<ShuffleEnvelope>> waitingControl = new TreeMap<>();
    }

    private final Map<String, Chain> chains = new HashMap<>();
    /** Read but not applied, by shuffle position: the position read before each. */
    private final TreeMap<ShardPosition, Optional<ShardPosition>> buffered = new TreeMap<>();
    private final Map<ShuffleEnvelope, ShardPosition> waitingAt = new IdentityHashMap<>();
    private Optional<ShardPosition> lastRead = Optional.empty();

    /**
     * The next envelope of the shuffle shard, read at {@code at}: applies it through {@code apply} with every envelope
     * it lets follow, in their source order, or keeps it until what it follows arrives.
     */
    void read(ShuffleEnvelope envelope, ShardPosition at, Consumer<ShuffleEnvelope> apply) {
        Optional<ShardPosition> before = lastRead;
        lastRead = Optional.of(at);
        Chain chain = chains.computeIfAbsent(envelope.sourceShard(), s -> new Chain());
        if (envelope instanceof ShuffleEnvelope.Data data) {
            if (chain.applied != null && data.position().compareTo(chain.applied) <= 0) {
                return;
            }
            if (!ready(chain, envelope)) {
                ShuffleEnvelope.Data repeated = chain.waiting.put(data.after().orElseThrow(), data);
                if (repeated != null) {
                    release(repeated); // the same record sent twice: the later copy waits in its place
                }
                hold(envelope, at, before);
                return;
            }
            chain.applied = data.position();
            apply.accept(data);
        } else if (stale(chain, envelope)) {
            return;
        } else if (ready(chain, envelope)) {
            apply.accept(envelope);
        } else {
            chain.waitingControl.computeIfAbsent(envelope.after().orElseThrow(), a -> new ArrayList<>()).add(envelope);
            hold(envelope, at, before);
            return;
        }
        drain(chain, apply);
    }

    /** The last record of the source shard applied, if any. */
    Optional<ShardPosition> applied(String sourceShard) {
        Chain chain = chains.get(sourceShard);
        return chain == null ? Optional.empty() : Optional.ofNullable(chain.applied);
    }

    /** The source shards heard from or restored. */
    List<String> sourceShards() {
        return List.copyOf(chains.keySet());
    }

    /** From a checkpoint: the source shard's records at or before {@code applied} are in the state. */
    void restore(String sourceShard, ShardPosition applied) {
        chains.computeIfAbsent(sourceShard, s -> new Chain()).applied = applied;
    }

    /** From a checkpoint: where the task resumes reading the shuffle shard. */
    void restoreRead(Optional<ShardPosition> resumeAfter) {
        lastRead = resumeAfter;
    }

    /** Where the task may resume: every record of the shuffle shard up to it is applied or was a repeat. */
    Optional<ShardPosition> resumeAfter() {
        return buffered.isEmpty() ? lastRead : buffered.firstEntry().getValue();
    }

    /** Envelopes waiting for the records they follow. */
    int waiting() {
        return waitingAt.size();
    }

    private static boolean ready(Chain chain, ShuffleEnvelope envelope) {
        return envelope.after().isEmpty()
                || (chain.applied != null && envelope.after().get().compareTo(chain.applied) <= 0);
    }

    /**
     * A progress report made before the last applied record was read (sent again by a restarted source task): what
     * it says is older than what that record said, so it is dropped; an end is never stale.
     */
    private static boolean stale(Chain chain, ShuffleEnvelope envelope) {
        return envelope instanceof ShuffleEnvelope.Progress && chain.applied != null
                && (envelope.after().isEmpty() || envelope.after().get().compareTo(chain.applied) < 0);
    }

    private void hold(ShuffleEnvelope envelope, ShardPosition at, Optional<ShardPosition> before) {
        buffered.put(at, before);
        waitingAt.put(envelope, at);
    }

    private void release(ShuffleEnvelope envelope) {
        ShardPosition at = waitingAt.remove(envelope);
        if (at != null) {
            buffered.remove(at);
        }
    }

    private void drain(Chain chain, Consumer<ShuffleEnvelope> apply) {
        boolean progressed = true;
        while (progressed && chain.applied != null) {
            progressed = false;
            var control = chain.waitingControl.firstEntry();
            if (control != null && control.getKey().compareTo(chain.applied) <= 0) {
                chain.waitingControl.pollFirstEntry();
                for (ShuffleEnvelope envelope : control.getValue()) {
                    release(envelope);
                    if (!stale(chain, envelope)) {
                        apply.accept(envelope);
                    }
                }
                progressed = true;
                continue;
            }
            var data = chain.waiting.firstEntry();
            if (data != null && data.getKey().compareTo(chain.applied) <= 0) {
                chain.waiting.pollFirstEntry();
                release(data.getValue());
                if (data.getValue().position().compareTo(chain.applied) > 0) {
                    chain.applied = data.getValue().position();
                    apply.accept(data.getValue());
                }
                progressed = true;
            }
        }
    }
}
