package dev.weir.operator.autoscaler.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Runs a Kinesis job model under a profile with one policy, a second at a time, as {@link Simulation} does for Kafka,
 * shard by shard: the input spreads evenly over the open shards; a split closes every open shard and opens two
 * children, which are read only once their parent is read to its end (as the Kinesis Client Library does); the
 * shards read are dealt to the ready pods in turn, each pod's rate shared among its shards, each shard read at most
 * at its read limit; the lease table shows the checkpoints of the second before. The lag is the furthest shard's
 * oldest record not processed.
 */
final class KinesisSimulation {

    private KinesisSimulation() {
    }

    /** A run and the open shards at each second of it. */
    record Result(Run run, int[] openShards) {
        /** Seconds at which more pods were asked for than the stream had open shards. */
        long secondsAboveOpenShards() {
            long above = 0;
            for (int s = 0; s < openShards.length; s++) {
                above += run.replicas[s] > openShards[s] ? 1 : 0;
            }
            return above;
        }
    }

    private static final class Shard {
        final int id;
        final int parent;
        final double[] produced;
        double processed;
        double checkpoint;
        boolean open = true;

        Shard(int id, int parent, int seconds) {
            this.id = id;
            this.parent = parent;
            this.produced = new double[seconds];
        }

        double total(int t) {
            return t < 0 ? 0 : produced[t];
        }

        boolean finished(int t) {
            return !open && processed >= total(t) - 1e-9;
        }
    }

    static Result run(KinesisJobModel job, KinesisProfile profile, double[] input, KinesisPolicy policy) {
        int seconds = input.length;
        Run run = new Run(policy.name(), seconds - Simulation.WARM_UP);
        int[] openShards = new int[seconds - Simulation.WARM_UP];
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < profile.shards(); i++) {
            shards.add(new Shard(i, -1, seconds));
        }
        Deque<Long> starting = new ArrayDeque<>();
        int ready = 0;
        int asked = 0;
        long pausedUntil = -1;
        long splitAt = profile.splitAt() < 0 ? -1 : Simulation.WARM_UP + profile.splitAt();
        for (int t = 0; t < seconds; t++) {
            if (t == splitAt) {
                for (Shard parent : List.copyOf(shards)) {
                    if (parent.open) {
                        parent.open = false;
                        shards.add(new Shard(shards.size(), parent.id, seconds));
                        shards.add(new Shard(shards.size(), parent.id, seconds));
                    }
                }
            }
            int wanted = policy.replicas(t, seen(shards, t), asked);
            if (wanted > asked) {
                for (int i = asked; i < wanted; i++) {
                    starting.addLast(t + job.startupSeconds());
                }
            } else if (wanted < asked) {
                int remove = asked - wanted;
                while (remove > 0 && !starting.isEmpty()) {
                    starting.removeLast();
                    remove--;
                }
                if (remove > 0) {
                    ready -= remove;
                    pausedUntil = t + job.rebalanceSeconds();
                }
            }
            asked = wanted;
            while (!starting.isEmpty() && starting.getFirst() <= t) {
                starting.removeFirst();
                ready++;
                pausedUntil = t + job.rebalanceSeconds();
            }
            List<Shard> open = shards.stream().filter(shard -> shard.open).toList();
            for (Shard shard : shards) {
                shard.checkpoint = shard.processed;
                double arriving = shard.open ? input[t] / open.size() : 0;
                shard.produced[t] = shard.total(t - 1) + arriving;
            }
            if (t >= pausedUntil) {
                process(job, readable(shards, t), ready, t);
            }
            if (t >= Simulation.WARM_UP) {
                int lag = 0;
                for (Shard shard : readableOrWaiting(shards, t)) {
                    lag = Math.max(lag, Simulation.lagSeconds(shard.produced, t, shard.processed));
                }
                run.record(t - Simulation.WARM_UP, asked, lag);
                openShards[t - Simulation.WARM_UP] = open.size();
            }
        }
        return new Result(run, openShards);
    }

    /** What a probe sees: per shard still read, the age of the first record after the checkpoint. */
    private static KinesisPolicy.Shards seen(List<Shard> shards, int t) {
        List<KinesisPolicy.Seen> seen = new ArrayList<>();
        for (Shard shard : readableOrWaiting(shards, t)) {
            // the servers show what was written by the second before
            double written = shard.total(t - 1);
            long lagMillis = written - shard.checkpoint < 1 ? 0
                    : 1000L * Math.max(1, Simulation.lagSeconds(shard.produced, t - 1, shard.checkpoint));
            seen.add(new KinesisPolicy.Seen(shard.id, lagMillis, shard.checkpoint));
        }
        int open = (int) shards.stream().filter(shard -> shard.open).count();
        return new KinesisPolicy.Shards(open, seen);
    }

    /** Shards with records still to read: open ones and closed ones not read to their end. */
    private static List<Shard> readableOrWaiting(List<Shard> shards, int t) {
        return shards.stream().filter(shard -> !shard.finished(t)).toList();
    }

    /** Shards a pod may read now: not finished, and their parent (if any) read to its end. */
    private static List<Shard> readable(List<Shard> shards, int t) {
        return shards.stream()
                .filter(shard -> !shard.finished(t))
                .filter(shard -> shard.parent < 0 || shards.get(shard.parent).finished(t))
                .toList();
    }

    /** Deals the shards to the pods in turn; each pod shares its rate among its shards, none beyond its read limit. */
    private static void process(KinesisJobModel job, List<Shard> readable, int ready, int t) {
        int pods = Math.min(ready, readable.size());
        for (int pod = 0; pod < pods; pod++) {
            List<Shard> held = new ArrayList<>();
            for (int i = pod; i < readable.size(); i += pods) {
                held.add(readable.get(i));
            }
            double[] want = new double[held.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = Math.min(held.get(i).produced[t] - held.get(i).processed, job.shardReadRecordsPerSecond());
            }
            // water-filling: shards wanting less than an even share leave the rest to the others
            double capacity = job.recordsPerSecondPerReplica();
            int wanting = want.length;
            while (wanting > 0 && capacity > 1e-9) {
                double share = capacity / wanting;
                wanting = 0;
                for (int i = 0; i < want.length; i++) {
                    if (want[i] <= 0) {
                        continue;
                    }
                    double take = Math.min(want[i], share);
                    held.get(i).processed += take;
                    want[i] -= take;
                    capacity -= take;
                    wanting += want[i] > 1e-9 ? 1 : 0;
                }
            }
        }
    }
}
