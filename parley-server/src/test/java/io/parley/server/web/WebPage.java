package io.parley.server.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One user's browser profile and page, with the steps a person takes in the web client. Records
 * uncaught page errors and Content-Security-Policy violations; tests assert there are none.
 */
final class WebPage {
  static final String PASSWORD = "correct horse battery";

  final BrowserContext context;
  final Page page;
  final List<String> problems = new CopyOnWriteArrayList<>();
  final List<String> console = new CopyOnWriteArrayList<>();

  WebPage(BrowserContext context, Page page) {
    this.context = context;
    this.page = page;
    page.setDefaultTimeout(15_000);
    page.onPageError(e -> problems.add("page error: " + e));
    page.onResponse(
        r -> {
          if (r.status() >= 400 && !r.url().contains("/v1/")) {
            problems.add("HTTP " + r.status() + " for " + r.url());
          }
        });
    page.onConsoleMessage(
        m -> {
          console.add(m.type() + ": " + m.text());
          if (m.text().contains("Content Security Policy")) {
            problems.add("CSP violation: " + m.text());
          }
        });
  }

  /** Opens the app and signs up through the form (which also logs in). */
  WebPage signUp(String username, String displayName) {
    page.navigate("/");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create an account"))
        .click();
    username().fill(username);
    page.getByLabel("Display name").fill(displayName);
    page.getByLabel("Password").fill(PASSWORD);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create account")).click();
    awaitOnline();
    return this;
  }

  WebPage logIn(String username) {
    page.navigate("/");
    username().fill(username);
    page.getByLabel("Password").fill(PASSWORD);
    page.getByLabel("Password").press("Enter");
    awaitOnline();
    return this;
  }

  private Locator username() {
    return page.getByRole(
        AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Username").setExact(true));
  }

  void awaitOnline() {
    assertThat(connection()).hasAttribute("data-state", "online");
  }

  Locator connection() {
    return page.locator("#conn-status");
  }

  /** New chat dialog: starts (or reopens) the direct chat with {@code username}. */
  void startChat(String username) {
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("New chat")).click();
    page.locator("#new-chat-username").fill(username);
    page.locator("#new-chat-submit").click();
    assertThat(page.locator("#dlg-new-chat")).not().isVisible();
    assertThat(page.locator("#thread-main")).isVisible();
  }

  Locator conversation(String title) {
    return page.locator("#conv-list button.conv")
        .filter(new Locator.FilterOptions().setHasText(title));
  }

  /**
   * Opens the chat and waits until it is fully open: its latest history loaded and presence
   * subscribed (the app marks {@code #thread-main} {@code data-ready} last). A history request
   * still in flight could otherwise be answered after a later step, e.g. with messages sent while
   * the test holds the page offline (offline emulation fails new requests, not ones already sent).
   */
  void open(String title) {
    conversation(title).click();
    assertThat(page.locator("#thread-title")).hasText(title);
    assertThat(page.locator("#thread-main"))
        .hasAttribute("data-ready", java.util.regex.Pattern.compile(".+"));
  }

  void send(String text) {
    Locator input = page.getByLabel("Message", new Page.GetByLabelOptions().setExact(true));
    input.fill(text);
    input.press("Enter");
  }

  /** The message list item holding {@code text}. */
  Locator message(String text) {
    return page.locator("#messages li.msg").filter(new Locator.FilterOptions().setHasText(text));
  }

  Locator messages() {
    return page.locator("#messages li.msg");
  }

  void offline(boolean offline) {
    context.setOffline(offline);
  }

  /** Console log and a screenshot, for looking into failures. */
  void dump(String name) {
    try {
      java.nio.file.Files.write(
          Browsers.SCREENSHOTS.resolve("debug").resolve(name + ".log"), console);
      page.screenshot(
          new Page.ScreenshotOptions()
              .setPath(Browsers.SCREENSHOTS.resolve("debug").resolve(name + ".png")));
    } catch (java.io.IOException | RuntimeException e) {
      // best effort: the page may be gone
    }
  }

  void screenshot(String name) {
    page.screenshot(
        new Page.ScreenshotOptions().setPath(Browsers.SCREENSHOTS.resolve(name + ".png")));
  }
}
