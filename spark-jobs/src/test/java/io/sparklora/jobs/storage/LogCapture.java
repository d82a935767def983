package io.sparklora.jobs.storage;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.UUID;

/** Collects every log event (root logger lowered to INFO while open) with its message and any stack trace. */
final class LogCapture implements AutoCloseable {
    private final StringBuilder text = new StringBuilder();
    private final Appender appender;
    private final Level previousRoot;

    LogCapture() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration cfg = ctx.getConfiguration();
        appender = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder line = new StringBuilder().append(event.getLevel()).append(' ')
                        .append(event.getLoggerName()).append(": ").append(event.getMessage().getFormattedMessage()).append('\n');
                if (event.getThrown() != null) {
                    StringWriter w = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(w));
                    line.append(w);
                }
                synchronized (text) {
                    text.append(line);
                }
            }
        };
        appender.start();
        LoggerConfig root = cfg.getRootLogger();
        previousRoot = root.getLevel();
        if (previousRoot.isMoreSpecificThan(Level.INFO)) {
            root.setLevel(Level.INFO);
        }
        root.addAppender(appender, Level.ALL, null);
        for (LoggerConfig c : cfg.getLoggers().values()) {
            if (c != root && !c.isAdditive()) {
                c.addAppender(appender, Level.ALL, null);
            }
        }
        ctx.updateLoggers();
    }

    String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration cfg = ctx.getConfiguration();
        for (LoggerConfig c : cfg.getLoggers().values()) {
            c.removeAppender(appender.getName());
        }
        cfg.getRootLogger().removeAppender(appender.getName());
        cfg.getRootLogger().setLevel(previousRoot);
        ctx.updateLoggers();
        appender.stop();
    }
}
