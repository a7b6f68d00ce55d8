package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.e2e.FaultSchedule.Fault;
import dev.weir.e2e.FaultSchedule.Kind;
import dev.weir.operator.autoscaler.sim.Plot;
import dev.weir.operator.autoscaler.sim.Run;
import dev.weir.runtime.contract.WindowAssertions;
import dev.weir.runtime.pipeline.DeadLetterReason;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The fault run (issue 16, docs/faults.md): a windowed exactly_once Kafka job with S3 checkpoints and autoscaling, fed
 * at a steady rate with 1% bad records, while a seeded {@link FaultSchedule} kills runtime pods and the operator,
 * restarts the Kafka broker and the API server, stops the S3 server, steps the load up and edits the spec. After a quiet period: every
 * window exactly once in the sink, every bad record once in the dead letters and nothing else, the status converged,
 * nothing left after the delete. The table of figures and a timeline PNG go to {@code target/FaultRunE2E-*}.
 *
 * <p>The CI run is two minutes of faults with a fixed seed; {@code -Pfaults} runs ten ({@code weir.faults.duration},
 * {@code weir.faults.seed}, {@code weir.faults.pod-kill-every}, {@code weir.faults.operator-kills},
 * {@code weir.faults.s3-down}, {@code weir.faults.api-down}).
 */
class FaultRunE2E extends PlatformScenario {
    static final String JOB = "fault-counts";
    static final String SOURCE = "fault-events";
    static final String SINK = "fault-counts";
    static final String DEAD_LETTER = "fault-events-dlq";
    static final String SECRET = "fault-checkpoint-keys";
    static final int PARTITIONS = 3;
    static final Duration WINDOW = Duration.ofSeconds(10);
    /** 5 ms of event time apart at 200 a second: event time keeps pace with the wall clock, bursts run ahead. */
    static final Duration EVENT_SPACING = Duration.ofMillis(5);
    static final int RATE = 210;
    static final int BAD_PERCENT = 1;
    /** Bad records start once windows have closed, so that a record an hour old is late on every partition. */
    static final Duration BAD_AFTER = Duration.ofSeconds(30);
    /** As AutoscalingE2E's burst: drains over more seconds than maxLagSeconds on one pod, so the job scales up. */
    static final int LOAD_STEP = 60_000;
    static final int MAX_LAG_SECONDS = 5;
    static final int MIN_REPLICAS = 1;
    static final String SCALING = "{minReplicas: " + MIN_REPLICAS + ", maxReplicas: 3, maxLagSeconds: " + MAX_LAG_SECONDS
            + ", scaleDownWindow: 15s, pollInterval: 1s}";
    static final String INTERVAL_BEFORE = "5s";
    static final String INTERVAL_AFTER = "6s";
    static final Duration CONVERGE_TIMEOUT = Duration.ofMinutes(4);

    static final Duration LENGTH = Duration.parse("PT" + System.getProperty("weir.faults.duration", "2m")
            .toUpperCase(Locale.ROOT));
    static final long SEED = Long.getLong("weir.faults.seed", 16);
    static final Duration POD_KILL_EVERY = Duration.parse("PT" + System.getProperty("weir.faults.pod-kill-every",
            "20s").toUpperCase(Locale.ROOT));
    static final int OPERATOR_KILLS = Integer.getInteger("weir.faults.operator-kills", 2);
    static final Duration S3_DOWN = Duration.parse("PT" + System.getProperty("weir.faults.s3-down", "30s")
            .toUpperCase(Locale.ROOT));
    static final Duration API_DOWN = Duration.parse("PT" + System.getProperty("weir.faults.api-down", "10s")
            .toUpperCase(Locale.ROOT));

    /** A fault as injected: when (seconds of the timeline), what, on what, and when its server came back. */
    record Injected(Kind kind, double at, double backAt, String target) {
    }

    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final List<String> injectionFailures = new CopyOnWriteArrayList<>();

    @Test
    void underFaultsEveryWindowIsInTheSinkExactlyOnceEveryBadRecordInTheDeadLettersAndTheStatusConverges()
            throws Exception {
        PlatformFaults faults = platform.faults().orElseThrow(() -> new IllegalStateException(
                "the fault run needs a platform that can kill processes and stop servers (the local harness)"));
        FaultSchedule schedule = FaultSchedule.draw(SEED, LENGTH, POD_KILL_EVERY, OPERATOR_KILLS, S3_DOWN, API_DOWN);
        kafka().create(SOURCE, PARTITIONS);
        kafka().create(SINK, 1);
        kafka().create(DEAD_LETTER, 1);
        secret(SECRET, platform.s3Keys().get(0), platform.s3Keys().get(1));
        CountedEvents events = new CountedEvents(PARTITIONS, EVENT_SPACING.toMillis(), WINDOW.toMillis(),
                Instant.now());
        Resource<StreamJob> job = streamJob(JOB);
        client().resource(faultJob()).create();
        try {
            await("the job's first pod ready").atMost(POD_TIMEOUT).untilAsserted(() -> assertEquals(1, readyPods(JOB)));

            ScalingTimeline timeline = new ScalingTimeline(client(), NAMESPACE, JOB);
            SteadyEvents generator = new SteadyEvents(platform.testBootstrapServers(), SOURCE, PARTITIONS, RATE,
                    BAD_PERCENT, BAD_AFTER, events, events.startMillis());
            Report report;
            try {
                generator.start();
                runSchedule(schedule, faults, generator, timeline, job);
                generator.stop();
                kafka().endOfInput(SOURCE, PARTITIONS);
                double quietFrom = timeline.seconds(Instant.now());
                List<Map<String, Object>> expected = generator.expectedWindows();
                await("after the faults every window reaches the sink").atMost(CONVERGE_TIMEOUT)
                        .pollInterval(Duration.ofSeconds(2)).until(() -> {
                            KafkaTopics.Contents sink = kafka().read(SINK, QUIET);
                            return sink.endOfInputMarkers() >= PARTITIONS && sink.records().size() >= expected.size();
                        });
                await("the status converges: Ready, not Degraded, scaled back down to minReplicas with no input, "
                        + "the replicas decided all ready")
                        .atMost(CONVERGE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertConverged(job));
                List<Map<String, Object>> sink = kafka().read(SINK, QUIET).records();
                List<Map<String, Object>> deadLetters = kafka().read(DEAD_LETTER, QUIET).records();
                report = new Report(schedule, injected, timeline.samples(), quietFrom, expected, sink,
                        generator.badRecords(), deadLetters);
            } finally {
                generator.close();
                timeline.close();
                timeline.writeTo(Path.of("target", getClass().getSimpleName() + "-timeline.txt"));
            }
            String table = report.table();
            System.out.println(table);
            Files.writeString(Path.of("target", getClass().getSimpleName() + "-table.txt"), table);
            report.plot(Path.of("target", getClass().getSimpleName() + "-timeline.png"));

            assertEquals(List.of(), injectionFailures, "every fault was injected");
            assertEquals(0, report.missing.size(), () -> "missing windows: " + report.missing);
            assertEquals(0, report.duplicated.size(), () -> "windows written more than once: " + report.duplicated);
            assertEquals(0, report.wrong.size(), () -> "windows with other counts or sums: " + report.wrong);
            WindowAssertions.assertSameWindows(report.expected, report.sink, CountedEvents.KEY);
            assertEquals(Map.of(), report.deadLetterDifferences(), "every bad record once in the dead letters, "
                    + "with its reason, and no good one");
            assertTrue(report.faultKindsSeen().containsAll(List.of(Kind.values())), "every kind of fault was injected");
            assertTrue(timeline.mostReplicas() > 1, "the load step scaled the job up");
            assertTrue(report.scaledBackDown(), "the job scaled back down after the load step");
            assertTrue(report.checkpointsFailingShown(), "the S3 outage showed as Degraded/CheckpointsFailing");

            client().resource(job.get()).delete();
            await("the job, its pods and objects gone: no finalizer stuck").atMost(GONE_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        assertNull(job.get());
                        assertEquals(List.of(), podNames(JOB));
                        assertNull(client().apps().statefulSets().inNamespace(NAMESPACE).withName(JOB).get());
                        assertNull(client().configMaps().inNamespace(NAMESPACE).withName(JOB).get());
                    });
            await("no runtime process left").atMost(GONE_TIMEOUT).untilAsserted(platform::assertRuntimeProcessesGone);
            await("the operator ready for the next scenario").atMost(POD_TIMEOUT).untilAsserted(() -> assertEquals(1,
                    client().apps().deployments().inNamespace(NAMESPACE).withName(E2EPlatform.OPERATOR_DEPLOYMENT).get()
                            .getStatus().getReadyReplicas()));
        } finally {
            deleteLeftOver(job);
        }
    }

    /**
     * Cleanup, not a check: a run that failed before its delete must not leave its job's pods to the scenarios after
     * it (they count the node's processes).
     */
    private void deleteLeftOver(Resource<StreamJob> job) {
        try {
            StreamJob left = job.get();
            if (left != null) {
                client().resource(left).delete();
                await("the failed run's job gone").atMost(GONE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                        .until(() -> job.get() == null && podNames(JOB).isEmpty());
            }
        } catch (RuntimeException e) {
            System.err.println("fault run: deleting the job after a failure did not finish: " + e);
        }
    }

    /** Injects each fault at its time on a scheduler and returns once the last has been injected and undone. */
    private void runSchedule(FaultSchedule schedule, PlatformFaults faults, SteadyEvents generator,
                             ScalingTimeline timeline, Resource<StreamJob> job) throws Exception {
        Random pick = new Random(schedule.seed());
        // threads enough that an outage being waited out does not hold back the faults due meanwhile
        ScheduledExecutorService injector = Executors.newScheduledThreadPool(3);
        try {
            List<ScheduledFuture<?>> planned = new ArrayList<>();
            AtomicIntegerArray kills = new AtomicIntegerArray(Kind.values().length);
            for (Fault fault : schedule.faults()) {
                planned.add(injector.schedule(() -> {
                    double at = timeline.seconds(Instant.now());
                    try {
                        String target = inject(fault, faults, generator, job, pick,
                                kills.getAndIncrement(fault.kind().ordinal()));
                        injected.add(new Injected(fault.kind(), at, timeline.seconds(Instant.now()), target));
                    } catch (RuntimeException e) {
                        injectionFailures.add(fault + ": " + e);
                    }
                }, fault.at().toMillis(), TimeUnit.MILLISECONDS));
            }
            // the load goes on to the schedule's end, after its last fault
            planned.add(injector.schedule(() -> { }, schedule.length().toMillis(), TimeUnit.MILLISECONDS));
            for (ScheduledFuture<?> fault : planned) {
                fault.get(schedule.length().toMillis() + Duration.ofMinutes(5).toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            injector.shutdownNow();
        }
    }

    /**
     * Injects one fault and names what it hit. A pod or the operator is killed by turns in the two ways a process dies
     * under Kubernetes: its container SIGKILLed (the kubelet restarts it in the same pod, after its back-off) and the pod
     * force-deleted (the kubelet SIGKILLs it, the controller makes a new pod); turns keep the back-off of any one pod
     * short, as a kubelet's is after a container has run a while.
     */
    private String inject(Fault fault, PlatformFaults faults, SteadyEvents generator, Resource<StreamJob> job,
                          Random pick, int turn) {
        switch (fault.kind()) {
            case POD_KILL -> {
                List<Pod> running = pods(JOB).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                        .toList();
                if (running.isEmpty()) {
                    return "no pod";
                }
                return kill(running.get(pick.nextInt(running.size())), faults, turn);
            }
            case OPERATOR_KILL -> {
                List<Pod> operator = client().pods().inNamespace(NAMESPACE).list().getItems().stream()
                        .filter(p -> p.getMetadata().getName().startsWith(E2EPlatform.OPERATOR_DEPLOYMENT + "-")
                                && p.getMetadata().getDeletionTimestamp() == null).toList();
                if (operator.isEmpty()) {
                    return "no operator pod";
                }
                return kill(operator.get(0), faults, turn);
            }
            case KAFKA_RESTART -> faults.restartKafka(fault.lasting());
            case S3_OUTAGE -> {
                faults.stopS3();
                // the outage's length, waited once on this fault's own thread
                try {
                    Thread.sleep(fault.lasting().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    faults.startS3();
                }
            }
            case API_RESTART -> faults.restartApiServer(fault.lasting());
            case LOAD_STEP -> generator.burst(LOAD_STEP);
            case SPEC_EDIT -> job.patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\": {\"checkpoints\": {\"interval\": \"" + INTERVAL_AFTER + "\"}}}");
        }
        return "";
    }

    private String kill(Pod pod, PlatformFaults faults, int turn) {
        String name = pod.getMetadata().getName();
        if (turn % 2 == 0) {
            faults.killContainers(pod);
            return name + " (container)";
        }
        client().pods().inNamespace(NAMESPACE).withName(name).withGracePeriod(0).delete();
        return name + " (pod deleted)";
    }

    private void assertConverged(Resource<StreamJob> job) {
        StreamJob current = job.get();
        StreamJobStatus status = current.getStatus();
        String yaml = Serialization.asYaml(status);
        assertEquals("Running", status.phase, yaml);
        assertEquals(current.getMetadata().getGeneration(), status.observedGeneration, yaml);
        assertTrue(status.conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                yaml);
        assertTrue(status.conditions.stream().noneMatch(c -> "Degraded".equals(c.getType())
                && "True".equals(c.getStatus())), yaml);
        assertTrue(status.checkpoints == null || status.checkpoints.savepointRequest == null, yaml);
        StatefulSet statefulSet = client().apps().statefulSets().inNamespace(NAMESPACE).withName(JOB).get();
        int decided = Objects.requireNonNullElse(statefulSet.getSpec().getReplicas(), 0);
        // the input has ended and the lag drained: the autoscaler's decision at rest
        assertEquals(MIN_REPLICAS, decided, yaml);
        assertEquals(decided, Objects.requireNonNullElse(status.replicas, -1), "status.replicas is the decision");
        assertEquals(decided, readyPods(JOB), "every pod decided is ready");
        assertEquals(decided, pods(JOB).size(), "no pod beyond the decision");
    }

    private StreamJob faultJob() {
        return Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s, startingOffsets: earliest}}
                  # event times are synthetic and run ahead of the clock after the load step: wall-clock time must
                  # not close the windows
                  eventTime: {field: %s, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: %s, tumbling: %ds, aggregate: {n: count(), total: sum(%s)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                  scaling: %s
                  checkpoints:
                    location: s3://%s/faults
                    interval: %s
                    s3: {endpoint: "%s", pathStyle: true, region: us-east-1, credentialsSecret: {name: %s}}
                """.formatted(JOB, NAMESPACE, platform.podBootstrapServers(), SOURCE, CountedEvents.TIME,
                CountedEvents.KEY, WINDOW.toSeconds(), CountedEvents.VALUE, SINK, DEAD_LETTER, SCALING,
                E2EPlatform.CHECKPOINT_BUCKET, INTERVAL_BEFORE, platform.podS3Endpoint(), SECRET), StreamJob.class);
    }

    /** The run's figures, from what the sink, the dead letters and the timeline show. */
    static final class Report {
        final FaultSchedule schedule;
        final List<Injected> injected;
        final List<ScalingTimeline.Sample> samples;
        final double quietFrom;
        final List<Map<String, Object>> expected;
        final List<Map<String, Object>> sink;
        final Map<String, DeadLetterReason> bad;
        final List<Map<String, Object>> deadLetters;
        final List<String> missing = new ArrayList<>();
        final List<String> duplicated = new ArrayList<>();
        final List<String> wrong = new ArrayList<>();
        final List<String> unexpected = new ArrayList<>();

        Report(FaultSchedule schedule, List<Injected> injected, List<ScalingTimeline.Sample> samples, double quietFrom,
               List<Map<String, Object>> expected, List<Map<String, Object>> sink, Map<String, DeadLetterReason> bad,
               List<Map<String, Object>> deadLetters) {
            this.schedule = schedule;
            this.injected = List.copyOf(injected);
            this.samples = samples;
            this.quietFrom = quietFrom;
            this.expected = expected;
            this.sink = sink;
            this.bad = bad;
            this.deadLetters = deadLetters;
            Map<String, List<Map<String, Object>>> got = new TreeMap<>();
            sink.forEach(w -> got.computeIfAbsent(id(w), k -> new ArrayList<>()).add(w));
            Map<String, Map<String, Object>> want = new TreeMap<>();
            expected.forEach(w -> want.put(id(w), w));
            want.forEach((id, w) -> {
                List<Map<String, Object>> copies = got.getOrDefault(id, List.of());
                if (copies.isEmpty()) {
                    missing.add(id);
                } else {
                    if (copies.size() > 1) {
                        duplicated.add(id + " ×" + copies.size() + ", expected " + w + ", got " + copies);
                    }
                    if (copies.stream().anyMatch(c -> !sameCounts(w, c))) {
                        wrong.add(id + ": expected " + w + ", got " + copies);
                    }
                }
            });
            got.keySet().stream().filter(id -> !want.containsKey(id)).forEach(unexpected::add);
        }

        private static String id(Map<String, Object> window) {
            return window.get(CountedEvents.KEY) + "@" + window.get("window_start");
        }

        private static boolean sameCounts(Map<String, Object> want, Map<String, Object> got) {
            return got.get("n") instanceof Number n && n.longValue() == ((Number) want.get("n")).longValue()
                    && got.get("total") instanceof Number t && t.longValue() == ((Number) want.get("total")).longValue();
        }

        /** Per bad record (by text), how its dead letters differ from one with its reason; empty when none does. */
        Map<String, String> deadLetterDifferences() {
            Map<String, List<String>> reasons = new HashMap<>();
            deadLetters.forEach(d -> reasons.computeIfAbsent(String.valueOf(d.get("record")), k -> new ArrayList<>())
                    .add(String.valueOf(d.get("reason"))));
            Map<String, String> differences = new TreeMap<>();
            bad.forEach((text, reason) -> {
                List<String> got = reasons.getOrDefault(text, List.of());
                if (!got.equals(List.of(reason.name()))) {
                    differences.put(text, "expected [" + reason + "], got " + got);
                }
            });
            reasons.forEach((text, got) -> {
                if (!bad.containsKey(text)) {
                    differences.put(text, "not a bad record, yet dead-lettered as " + got);
                }
            });
            return differences;
        }

        List<Kind> faultKindsSeen() {
            return injected.stream().map(Injected::kind).distinct().toList();
        }

        boolean scaledBackDown() {
            int most = 0;
            for (ScalingTimeline.Sample s : samples) {
                int replicas = Objects.requireNonNullElse(s.replicas(), 0);
                if (replicas < most) {
                    return true;
                }
                most = Math.max(most, replicas);
            }
            return false;
        }

        boolean checkpointsFailingShown() {
            return samples.stream().anyMatch(s -> "CheckpointsFailing".equals(s.degraded()));
        }

        /** Ready, not Degraded, every pod asked for ready; and, when {@code caughtUp}, the lag within target. */
        private static boolean healthy(ScalingTimeline.Sample s, boolean caughtUp) {
            int replicas = Objects.requireNonNullElse(s.replicas(), 0);
            return s.ready() && s.degraded() == null && replicas > 0 && s.readyPods() >= replicas
                    && (!caughtUp || s.lag() != null && lagSeconds(s) <= MAX_LAG_SECONDS);
        }

        /**
         * The lag in seconds of input: a Kafka job's status gives the lag in records only ({@code lagSeconds} is the
         * Kinesis engine's), so records over the generator's steady rate.
         */
        private static double lagSeconds(ScalingTimeline.Sample s) {
            return s.lagSeconds() != null ? s.lagSeconds() : s.lag() == null ? 0 : (double) s.lag() / RATE;
        }

        /**
         * Seconds from a fault (from its server's return for an outage) until the job is {@link #healthy} again,
         * having been seen unhealthy after it; null when the timeline never saw it unhealthy within 10 s after it.
         */
        Double recovery(Injected fault, boolean caughtUp) {
            boolean hurt = false;
            for (ScalingTimeline.Sample s : samples) {
                if (s.seconds() < fault.at()) {
                    continue;
                }
                if (!healthy(s, caughtUp)) {
                    hurt = true;
                } else if (hurt && s.seconds() >= fault.backAt()) {
                    return s.seconds() - fault.backAt();
                } else if (!hurt && s.seconds() > fault.backAt() + 10) {
                    return null;
                }
            }
            return null;
        }

        String table() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "Fault run: seed %d, %d s of faults, a pod killed every %d s%n",
                    schedule.seed(), schedule.length().toSeconds(), POD_KILL_EVERY.toSeconds()));
            out.append(String.format(Locale.ROOT, "%-26s %8s %8s %16s %8s %16s%n", "fault", "injected", "hurt",
                    "ready again s", "behind", "caught up s"));
            out.append(String.format(Locale.ROOT, "%-26s %8s %8s %16s %8s %16s%n", "", "", "", "(max / avg)", "",
                    "(max / avg)"));
            for (Kind kind : Kind.values()) {
                List<Injected> ofKind = injected.stream().filter(f -> f.kind() == kind).toList();
                List<Double> ready = ofKind.stream().map(f -> recovery(f, false)).filter(Objects::nonNull).toList();
                List<Double> caughtUp = ofKind.stream().map(f -> recovery(f, true)).filter(Objects::nonNull).toList();
                out.append(String.format(Locale.ROOT, "%-26s %8d %8d %16s %8d %16s%n", kind.label, ofKind.size(),
                        ready.size(), maxAndAverage(ready), caughtUp.size(), maxAndAverage(caughtUp)));
            }
            out.append("hurt: seen not Ready, Degraded or short of ready pods after it; ready again: seconds from the fault"
                    + " (an outage's end) until none of that; behind, caught up: the same with the lag over "
                    + MAX_LAG_SECONDS + " s included\n");
            out.append(String.format(Locale.ROOT, "windows: expected %d, got %d, duplicated %d, missing %d, "
                            + "wrong counts %d, unexpected %d%n", expected.size(), sink.size(), duplicated.size(),
                    missing.size(), wrong.size(), unexpected.size()));
            // every difference, so that one failed run says all it found (the assertions stop at the first)
            missing.forEach(id -> out.append("  missing: ").append(id).append('\n'));
            duplicated.forEach(d -> out.append("  duplicated: ").append(d).append('\n'));
            wrong.forEach(w -> out.append("  wrong: ").append(w).append('\n'));
            unexpected.forEach(u -> out.append("  unexpected: ").append(u).append('\n'));
            Map<DeadLetterReason, Long> byReason = new EnumMap<>(DeadLetterReason.class);
            bad.values().forEach(r -> byReason.merge(r, 1L, Long::sum));
            out.append(String.format(Locale.ROOT, "dead letters: expected %d %s, got %d, differing %d%n", bad.size(),
                    byReason, deadLetters.size(), deadLetterDifferences().size()));
            double longestLag = samples.stream().mapToDouble(Report::lagSeconds).max().orElse(0);
            long mostLag = samples.stream().map(ScalingTimeline.Sample::lag).filter(Objects::nonNull)
                    .mapToLong(l -> l).max().orElse(0);
            int mostReplicas = samples.stream().mapToInt(s -> Objects.requireNonNullElse(s.replicas(), 0)).max()
                    .orElse(0);
            double end = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).seconds();
            out.append(String.format(Locale.ROOT, "longest lag %d records (%.1f s of input at %d/s); most replicas %d; "
                    + "faults ended at %.0f s, converged at %.0f s%n", mostLag, longestLag, RATE, mostReplicas,
                    quietFrom, end));
            out.append("faults in order (t s, kind, target):\n");
            injected.stream().sorted((a, b) -> Double.compare(a.at(), b.at())).forEach(f -> out.append(
                    String.format(Locale.ROOT, "  %6.1f %-26s %s%n", f.at(), f.kind().label, f.target())));
            return out.toString();
        }

        private static String maxAndAverage(List<Double> values) {
            return values.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f / %.0f",
                    values.stream().mapToDouble(d -> d).max().orElse(0),
                    values.stream().mapToDouble(d -> d).average().orElse(0));
        }

        void plot(Path file) throws java.io.IOException {
            int seconds = samples.isEmpty() ? 1 : (int) Math.ceil(samples.get(samples.size() - 1).seconds()) + 1;
            Run run = new Run("fault-counts", seconds);
            // a second without a sample (the API server slow to answer) keeps the one before
            int next = 0;
            ScalingTimeline.Sample last = null;
            for (int second = 0; second < seconds; second++) {
                while (next < samples.size() && samples.get(next).seconds() < second + 1) {
                    last = samples.get(next++);
                }
                if (last != null) {
                    run.record(second, Objects.requireNonNullElse(last.replicas(), 0), (int) Math.round(lagSeconds(last)));
                }
            }
            List<Plot.Mark> marks = new ArrayList<>();
            injected.stream().sorted((a, b) -> Double.compare(a.at(), b.at())).forEach(f -> {
                marks.add(new Plot.Mark((int) f.at(), f.kind().label));
                if (f.kind() == Kind.S3_OUTAGE) {
                    marks.add(new Plot.Mark((int) f.backAt(), "S3 server back"));
                } else if (f.kind() == Kind.API_RESTART) {
                    marks.add(new Plot.Mark((int) f.backAt(), "API server back"));
                }
            });
            marks.sort(Comparator.comparingInt(Plot.Mark::second));
            Plot.write(file, "Fault run, seed " + schedule.seed() + ": lag (s of input at " + RATE
                    + "/s) and replicas asked for, faults marked",
                    "lag (s of input at the steady rate)", List.of(run), MAX_LAG_SECONDS, marks);
        }
    }
}
