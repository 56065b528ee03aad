package io.parley.server.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Shared set-up of the web client tests: one node and one headless Chromium per test class, a fresh
 * browser profile per simulated user, and after each test a check that no page had an uncaught
 * error, a CSP violation or a failed load of a client file (console log and a screenshot of every
 * page go to {@code target/web-screenshots/debug}).
 */
abstract class WebTestBase {
  static TestNode node;
  static Browsers browsers;
  final java.util.List<WebPage> pages = new java.util.ArrayList<>();

  @BeforeAll
  static void start() {
    Browsers.chromium(); // fail fast and clearly without a browser
    node = TestNode.start();
    browsers = Browsers.launch();
  }

  @AfterAll
  static void stop() {
    if (browsers != null) {
      browsers.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void noPageErrors(org.junit.jupiter.api.TestInfo info) {
    for (int i = 0; i < pages.size(); i++) {
      pages.get(i).dump(info.getTestMethod().orElseThrow().getName() + "-" + i);
    }
    try {
      for (WebPage p : pages) {
        assertThat(p.problems).as("page errors and CSP violations").isEmpty();
      }
    } finally {
      browsers.closeContexts();
    }
  }

  WebPage desktop() {
    WebPage p = browsers.desktop(node.baseUrl());
    pages.add(p);
    return p;
  }

  WebPage phone() {
    WebPage p = browsers.phone(node.baseUrl());
    pages.add(p);
    return p;
  }

  /** Gives a test user a display name (nicer screenshots); returns it. */
  static String named(TestUser u, String displayName) {
    u.http().updateMe(displayName, null, null);
    return displayName;
  }

  static String unique(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 6);
  }
}
