package dev.weir.runtime.app;

import io.quarkus.bootstrap.logging.InitialConfigurator;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * Logging for the commands that run without booting Quarkus ({@code run --input}, {@code validate}):
 * warnings and errors to stderr, so stdout carries only sink records. Quarkus' launcher buffers log
 * records until Quarkus configures logging; here that never happens, so this hands it the handler.
 */
final class LocalLogging {
    private LocalLogging() {}

    static void install() {
        ConsoleHandler stderr = new ConsoleHandler(ConsoleHandler.Target.SYSTEM_ERR,
                new PatternFormatter("%d{HH:mm:ss} %-5p [%c{1.}] %s%e%n"));
        stderr.setLevel(Level.WARNING);
        InitialConfigurator.DELAYED_HANDLER.setHandlers(new Handler[] {stderr});
        Logger.getLogger("").setLevel(Level.WARNING);
    }
}
