package io.parley.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client's files over plain HTTP (JDK client): served at {@code /} with the strict CSP, the API
 * and ops routes untouched, and no file needing inline script or style (which the CSP blocks).
 */
class WebRoutesIT {
  static final List<String> FILES =
      List.of(
          "/index.html",
          "/favicon.svg",
          "/assets/app.css",
          "/assets/js/main.js",
          "/assets/js/api.js",
          "/assets/js/socket.js",
          "/assets/js/chat.js",
          "/assets/js/dom.js",
          "/assets/js/messages.js",
          "/assets/js/sidebar.js",
          "/assets/js/thread.js",
          "/assets/js/dialogs.js");

  static TestNode node;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void indexIsServedAtRootWithStrictCsp() throws Exception {
    HttpResponse<String> r = get("/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(csp).isEqualTo(WebRoutes.CSP);
    assertThat(csp)
        .contains("default-src 'self'", "connect-src 'self' ws: wss:", "img-src 'self' blob: data:")
        .contains("style-src 'self'", "script-src 'self'", "object-src 'none'")
        .contains("frame-ancestors 'none'", "base-uri 'none'")
        .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
    assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(r.body()).contains("<script type=\"module\" src=\"/assets/js/main.js\"></script>");
    assertThat(get("/index.html").body()).isEqualTo(r.body());
  }

  @Test
  void assetsHaveTheirTypesAndTheCsp() throws Exception {
    HttpResponse<String> js = get("/assets/js/main.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
    assertThat(js.headers().firstValue("Content-Security-Policy")).hasValue(WebRoutes.CSP);
    assertThat(get("/assets/app.css").headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/css");
    assertThat(get("/favicon.svg").headers().firstValue("Content-Type").orElseThrow())
        .startsWith("image/svg+xml");
    HttpResponse<String> missing = get("/assets/js/nope.js");
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  void apiAndOpsRoutesStillWork() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/openapi.yaml").body()).startsWith("openapi:");
    HttpResponse<String> me = get("/v1/users/me");
    assertThat(me.statusCode()).isEqualTo(401);
    assertThat(me.body()).contains("\"code\":\"unauthorized\"");
    // API responses carry the API's own locked-down policy (HttpHygiene), not the web client's
    assertThat(me.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(csp -> assertThat(csp).doesNotContain("script-src"));
    HttpResponse<String> unknown = get("/v1/nothing-here");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("\"code\":\"not_found\"");
  }

  /** The CSP blocks inline code; this keeps it from creeping into the files. */
  @Test
  void filesNeedNoInlineScriptOrStyleAndNothingFromOtherOrigins() throws Exception {
    Pattern inlineScript =
        Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
    Pattern inlineHandler = Pattern.compile("\\son[a-z]+\\s*=\\s*[\"']", Pattern.CASE_INSENSITIVE);
    Pattern styleAttr = Pattern.compile("\\sstyle\\s*=", Pattern.CASE_INSENSITIVE);
    Pattern remote =
        Pattern.compile(
            "(?:src|href|url\\()\\s*=?\\s*[\"']?(?:https?:)?//", Pattern.CASE_INSENSITIVE);
    for (String f : FILES) {
      String text = resource(f);
      assertThat(get(f).body()).as(f + " served").isEqualTo(text);
      assertThat(inlineScript.matcher(text).find()).as(f + ": inline <script>").isFalse();
      assertThat(inlineHandler.matcher(text).find()).as(f + ": inline on* handler").isFalse();
      assertThat(styleAttr.matcher(text).find()).as(f + ": style attribute").isFalse();
      assertThat(remote.matcher(text).find()).as(f + ": resource from another origin").isFalse();
      assertThat(text).as(f).doesNotContain("innerHTML", "eval(", "new Function");
    }
  }

  private static String resource(String path) throws IOException {
    try (InputStream in = WebRoutes.class.getResourceAsStream("/web" + path)) {
      assertThat(in).as("classpath resource web" + path).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
