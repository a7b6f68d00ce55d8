package dev.weir.runtime.bench;

import java.util.Map;
import org.apache.kafka.streams.Topology;

/** One of the applications the benchmark compares: the sensor example's job, each built its own way. */
interface BenchmarkedJob {

    /** How the report names it. */
    String name();

    /** A fresh topology for one run; the runner creates the sink and dead-letter topics. */
    Topology topology(String applicationId, String input, String sink, String deadLetter);

    /** Kafka Streams settings of its own; the runner's common settings go on top of these. */
    Map<String, Object> settings();

    /** The topic through which the topology repartitions by sensor: the run has drained once it is read too. */
    String repartitionTopic(String applicationId);

    /** A line about what the run did by its own count, or empty. */
    default String summary() {
        return "";
    }
}
