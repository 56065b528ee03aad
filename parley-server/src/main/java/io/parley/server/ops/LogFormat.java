package io.parley.server.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Switches the console output between {@code text} and {@code json} ({@code log.format}) once the
 * configuration is loaded (logging itself starts earlier, see {@link LogConfigurator}).
 */
public final class LogFormat {
  static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{36}%X{request_id:+ rid=}%X{request_id}%X{connection_id:+ conn=}%X{connection_id} - %msg%n";

  private LogFormat() {}

  /** Applies {@code format} (null or {@code text}: leave as is; {@code json}: JSON lines). */
  public static void apply(String format) {
    String f = format == null ? "text" : format.toLowerCase(Locale.ROOT);
    if (!f.equals("text") && !f.equals("json")) {
      throw new IllegalArgumentException("log.format must be text or json, not " + format);
    }
    if (f.equals("text") || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      switchEncoder(ctx, it.next());
    }
  }

  private static void switchEncoder(LoggerContext ctx, Appender<ILoggingEvent> a) {
    if (a instanceof AsyncAppenderBase<ILoggingEvent> async) {
      for (Iterator<Appender<ILoggingEvent>> it = async.iteratorForAppenders(); it.hasNext(); ) {
        switchEncoder(ctx, it.next());
      }
    } else if (a instanceof OutputStreamAppender<ILoggingEvent> out
        && !(out.getEncoder() instanceof JsonLogEncoder)) {
      Encoder<ILoggingEvent> json = new JsonLogEncoder();
      json.setContext(ctx);
      json.start();
      out.setEncoder(json);
    }
  }

  /** The text encoder (with request and connection ids when present). */
  static PatternLayoutEncoder textEncoder(LoggerContext ctx) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern(TEXT_PATTERN);
    encoder.start();
    return encoder;
  }
}
