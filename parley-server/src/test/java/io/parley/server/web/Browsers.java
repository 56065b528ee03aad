package io.parley.server.web;

import static org.assertj.core.api.Assertions.fail;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Headless Chromium for the web client tests, driven by Playwright for Java (its Node driver ships
 * in the jar; no browser download). The browser is the system's {@code chromium} (Debian package),
 * or {@code PARLEY_CHROMIUM}. A missing browser FAILS the tests with instructions, never skips.
 */
final class Browsers implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "web-screenshots");

  private final Playwright playwright;
  private final Browser browser;
  private final List<BrowserContext> contexts = new ArrayList<>();

  private Browsers(Playwright playwright, Browser browser) {
    this.playwright = playwright;
    this.browser = browser;
  }

  static Path chromium() {
    String env = System.getenv("PARLEY_CHROMIUM");
    for (String candidate :
        env != null ? List.of(env) : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return fail(
        "Chromium is not installed (looked for %s). The web client tests need a real browser: "
            + "install it with `apt-get update && apt-get install -y chromium` (.ci/run does this "
            + "when CI=true), or point PARLEY_CHROMIUM at a Chromium/Chrome binary.",
        env != null ? env : "/usr/bin/chromium");
  }

  static Browsers launch() {
    Path exe = chromium();
    Playwright pw =
        Playwright.create(
            new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    try {
      Browser b =
          pw.chromium()
              .launch(
                  new BrowserType.LaunchOptions()
                      .setExecutablePath(exe)
                      .setHeadless(true)
                      .setArgs(
                          List.of(
                              "--disable-gpu",
                              "--disable-quic",
                              "--no-first-run",
                              "--disable-background-networking",
                              "--disable-component-update",
                              "--disable-sync")));
      Files.createDirectories(SCREENSHOTS.resolve("debug"));
      return new Browsers(pw, b);
    } catch (IOException e) {
      pw.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      pw.close();
      throw e;
    }
  }

  /** A fresh browser profile (own storage, so its own logged-in user) with one page. */
  WebPage open(String baseUrl, int width, int height) {
    BrowserContext ctx =
        browser.newContext(
            new Browser.NewContextOptions()
                .setBaseURL(baseUrl)
                .setViewportSize(width, height)
                .setLocale("en-GB")
                .setTimezoneId("UTC"));
    synchronized (contexts) {
      contexts.add(ctx);
    }
    Page page = ctx.newPage();
    return new WebPage(ctx, page);
  }

  WebPage desktop(String baseUrl) {
    return open(baseUrl, 1280, 800);
  }

  WebPage phone(String baseUrl) {
    return open(baseUrl, 390, 844);
  }

  /** Closes the pages of one test (keeps the browser). */
  void closeContexts() {
    synchronized (contexts) {
      contexts.forEach(BrowserContext::close);
      contexts.clear();
    }
  }

  @Override
  public void close() {
    closeContexts();
    browser.close();
    playwright.close();
  }
}
