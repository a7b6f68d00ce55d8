package dev.weir.runtime.local;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.kafka.common.utils.Utils;

/**
 * Keeps an embedded broker's own logging at WARN, through the java.util.logging API, which Quarkus'
 * JBoss LogManager implements and behind which slf4j (Kafka's logging API) then writes.
 *
 * <p>Only categories the host application has given no level of its own are touched, so a
 * {@code quarkus.log.category."kafka".level=DEBUG} still takes effect. Client categories
 * ({@code org.apache.kafka.clients}, {@code org.apache.kafka.common}) are shared with the host's own
 * producers and consumers and keep their levels; from them only the broker's and its admin
 * client's INFO dumps of every configuration value (hundreds of lines per start) are filtered out.
 */
final class BrokerLogging {

    static final List<String> BROKER_CATEGORIES = List.of(
            "kafka",
            "state.change.logger",
            "org.apache.kafka.controller",
            "org.apache.kafka.coordinator",
            "org.apache.kafka.image",
            "org.apache.kafka.metadata",
            "org.apache.kafka.queue",
            "org.apache.kafka.raft",
            "org.apache.kafka.security",
            "org.apache.kafka.server",
            "org.apache.kafka.snapshot",
            "org.apache.kafka.storage");

    /** Where Kafka's {@code AbstractConfig} logs "<config class> values:" followed by every value. */
    private static final String CONFIG_DUMP_CATEGORY = "org.apache.kafka.common.config.AbstractConfig";

    /** java.util.logging holds loggers weakly: a logger collected would forget the level set here. */
    private static final List<Logger> QUIETED = new ArrayList<>();

    private BrokerLogging() {
    }

    /**
     * @param adminClientIdPrefix how the client ids of the brokers' own admin clients start, whose
     *     configuration dumps are dropped as the brokers' are
     */
    static synchronized void quietUnlessConfigured(String adminClientIdPrefix) {
        for (String category : BROKER_CATEGORIES) {
            Logger logger = Logger.getLogger(category);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
                QUIETED.add(logger);
            }
        }
        Logger configDumps = Logger.getLogger(CONFIG_DUMP_CATEGORY);
        if (configDumps.getLevel() == null && configDumps.getFilter() == null) {
            String adminClientIdLine = Utils.NL + "\tclient.id = " + adminClientIdPrefix;
            configDumps.setFilter(record -> record.getLevel().intValue() >= Level.WARNING.intValue()
                    || !isBrokerConfigDump(String.valueOf(record.getMessage()), adminClientIdLine));
            QUIETED.add(configDumps);
        }
    }

    private static boolean isBrokerConfigDump(String message, String adminClientIdLineStart) {
        return message.startsWith("KafkaConfig values:")
                || message.startsWith("AdminClientConfig values:") && message.contains(adminClientIdLineStart);
    }
}
