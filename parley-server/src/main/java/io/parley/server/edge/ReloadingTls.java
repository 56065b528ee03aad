package io.parley.server.edge;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door's TLS context from PEM files, reloaded when they change. {@link #check} compares
 * the files' modification times and sizes with those of the loaded pair and rebuilds the context on
 * a change; a pair that does not load (half-written, mismatched) is logged and the old context
 * kept. New connections get the newest context; open ones keep theirs.
 *
 * <p>TLS 1.2 and 1.3 only, AEAD cipher suites with forward secrecy, ALPN offering http/1.1 (the
 * front door speaks HTTP/1.1 and WebSocket).
 */
public final class ReloadingTls {
  private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);

  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
  static final List<String> CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private final Path cert;
  private final Path key;
  private volatile SslContext context;
  private String loadedStamp;

  /** Loads the pair now; throws if it does not load (a node must not start without its cert). */
  public ReloadingTls(Path cert, Path key) {
    this.cert = cert;
    this.key = key;
    String stamp = stamp();
    try {
      this.context = build(cert, key);
    } catch (SSLException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot load TLS certificate " + cert + " and key " + key + ": " + e.getMessage(), e);
    }
    this.loadedStamp = stamp;
  }

  static SslContext build(Path cert, Path key) throws SSLException {
    File c = cert.toFile();
    File k = key.toFile();
    return SslContextBuilder.forServer(c, k)
        .sslProvider(SslProvider.JDK)
        .protocols(PROTOCOLS)
        .ciphers(CIPHERS)
        .applicationProtocolConfig(
            new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_1_1))
        .build();
  }

  /** A handler for a new connection, from the current context. */
  SslHandler newHandler(ByteBufAllocator alloc) {
    return context.newHandler(alloc);
  }

  /** Reloads if either file changed since the last load; returns true if it reloaded. */
  public synchronized boolean check() {
    String stamp = stamp();
    if (stamp.equals(loadedStamp)) {
      return false;
    }
    try {
      context = build(cert, key);
      loadedStamp = stamp;
      log.info("TLS certificate reloaded from {}", cert);
      return true;
    } catch (SSLException | RuntimeException e) {
      // maybe half-written: keep serving the old pair, try again on the next check
      log.warn("TLS certificate {} changed but does not load: {}", cert, e.toString());
      return false;
    }
  }

  private String stamp() {
    return stamp(cert) + "|" + stamp(key);
  }

  private static String stamp(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis() + ":" + Files.size(p);
    } catch (java.io.IOException e) {
      return "missing";
    }
  }
}
