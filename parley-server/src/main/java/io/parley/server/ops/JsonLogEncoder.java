package io.parley.server.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per log line: {@code ts} (ISO-8601), {@code level}, {@code logger}, {@code
 * thread}, {@code msg}, every MDC entry ({@code request_id}, {@code connection_id}) and {@code
 * error} (stack trace) if any.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
  private static final byte[] EMPTY = new byte[0];

  @Override
  public byte[] headerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] encode(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"ts\":\"").append(Instant.ofEpochMilli(e.getTimeStamp())).append('"');
    field(sb, "level", e.getLevel().toString());
    field(sb, "logger", e.getLoggerName());
    field(sb, "thread", e.getThreadName());
    field(sb, "msg", e.getFormattedMessage());
    Map<String, String> mdc = e.getMDCPropertyMap();
    if (mdc != null) {
      for (Map.Entry<String, String> m : mdc.entrySet()) {
        field(sb, m.getKey(), m.getValue());
      }
    }
    IThrowableProxy t = e.getThrowableProxy();
    if (t != null) {
      field(sb, "error", ThrowableProxyUtil.asString(t));
    }
    return sb.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void field(StringBuilder sb, String name, String value) {
    sb.append(",\"");
    JsonStringEncoder.getInstance().quoteAsString(name, sb);
    sb.append("\":");
    if (value == null) {
      sb.append("null");
    } else {
      sb.append('"');
      JsonStringEncoder.getInstance().quoteAsString(value, sb);
      sb.append('"');
    }
  }

  @Override
  public byte[] footerBytes() {
    return EMPTY;
  }
}
