package io.parley.server.ops;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.yaml}: the OpenAPI document of the REST API, read once from the classpath
 * resource {@code /openapi.yaml} at construction and served as {@code application/yaml}.
 */
public final class ApiDocsRoutes {
  /** Path of the document, both on the classpath and over HTTP. */
  public static final String PATH = "/openapi.yaml";

  private static final String CONTENT_TYPE = "application/yaml";

  private final byte[] document;

  /** Loads the document; fails fast if the resource is missing from the build. */
  public ApiDocsRoutes() {
    try (InputStream in = ApiDocsRoutes.class.getResourceAsStream(PATH)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource " + PATH + " is missing");
      }
      this.document = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + PATH, e);
    }
  }

  public void mount(Router r) {
    r.get(PATH)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", CONTENT_TYPE)
                    .putHeader("Cache-Control", "no-cache")
                    .end(Buffer.buffer(document)));
  }
}
