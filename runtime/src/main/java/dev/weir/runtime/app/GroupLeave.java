package dev.weir.runtime.app;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/**
 * Closes Kafka Streams leaving the consumer group when the pod stops. With static membership (group.instance.id =
 * POD_NAME) a plain close does not leave, so a pod removed by a scale-down would keep its partitions, unread, until
 * the session timeout; leaving hands them to the remaining pods at once. A pod that is restarted rejoins under the
 * same name, so leaving costs it one rebalance.
 */
@ApplicationScoped
class GroupLeave {
    /** Inside the StatefulSet's default 30s termination grace period. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

    private static final Logger LOG = Logger.getLogger(GroupLeave.class);

    // before the Kafka Streams extension's own close, which would close without leaving (then ours is a no-op there)
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event, KafkaStreams streams) {
        if (streams == null) {
            return; // the Kinesis engine runs the job: no Kafka Streams, no consumer group
        }
        boolean closed = streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(CLOSE_TIMEOUT));
        LOG.infof("Kafka Streams closed%s, left the consumer group",
                closed ? "" : " (timed out after " + CLOSE_TIMEOUT + ")");
    }
}
