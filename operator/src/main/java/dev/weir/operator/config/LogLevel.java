package dev.weir.operator.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The operator's log level from {@value #VARIABLE}, in SLF4J's names, applied to java.util.logging. */
public enum LogLevel {
    ERROR(Level.SEVERE), WARN(Level.WARNING), INFO(Level.INFO), DEBUG(Level.FINE), TRACE(Level.FINEST);

    static final String VARIABLE = "WEIR_LOG_LEVEL";

    private final Level julLevel;

    LogLevel(Level julLevel) {
        this.julLevel = julLevel;
    }

    /** The level the environment asks for, INFO when it asks for none. */
    public static LogLevel fromEnvironment(Map<String, String> env) {
        String name = env.getOrDefault(VARIABLE, "").trim();
        if (name.isEmpty()) {
            return INFO;
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(VARIABLE + "=" + name + " is not a log level: use one of "
                    + Arrays.toString(values()), e);
        }
    }

    Level julLevel() {
        return julLevel;
    }

    /** Sets the root logger and its handlers, whose own INFO threshold would otherwise hide DEBUG. */
    public void apply() {
        Logger root = Logger.getLogger("");
        root.setLevel(julLevel);
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(julLevel);
        }
    }
}
