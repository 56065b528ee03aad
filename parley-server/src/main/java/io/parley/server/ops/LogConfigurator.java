package io.parley.server.ops;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Production logging, configured in code (parsing an XML file costs a noticeable part of a cold
 * start): INFO to stdout through a non-blocking async appender; chatty libraries at WARN. Steps
 * aside when {@code -Dlogback.configurationFile} is given or a {@code logback-test.xml} is on the
 * classpath, so those still work. {@code PARLEY_LOG_LEVEL} sets the root level.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext ctx) {
    if (System.getProperty("logback.configurationFile") != null
        || LogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(ctx);
    console.setName("OUT");
    // log.format (F16): PARLEY_LOG_FORMAT=json from the start; a config file's setting is applied
    // by LogFormat once the configuration is loaded
    if ("json".equalsIgnoreCase(System.getenv("PARLEY_LOG_FORMAT"))) {
      JsonLogEncoder json = new JsonLogEncoder();
      json.setContext(ctx);
      json.start();
      console.setEncoder(json);
    } else {
      console.setEncoder(LogFormat.textEncoder(ctx));
    }
    console.start();
    AsyncAppender async = new AsyncAppender();
    async.setContext(ctx);
    async.setName("ASYNC");
    async.setQueueSize(8192);
    async.setDiscardingThreshold(0);
    async.setNeverBlock(true);
    async.addAppender(console);
    async.start();
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    String level = System.getenv("PARLEY_LOG_LEVEL");
    root.setLevel(Level.toLevel(level, Level.INFO));
    root.addAppender(async);
    for (String quiet :
        new String[] {"com.zaxxer.hikari", "org.flywaydb", "io.netty", "io.vertx"}) {
      ctx.getLogger(quiet).setLevel(Level.WARN);
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
