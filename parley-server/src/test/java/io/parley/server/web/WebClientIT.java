package io.parley.server.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import io.parley.server.it.TestNode;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web client (F20) end to end: a real node, the real client files it serves, and several users
 * each in their own headless Chromium profile. Screenshots go to {@code target/web-screenshots}.
 */
class WebClientIT {
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

  static String unique(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 6);
  }

  @Test
  void directChatWithTicksPresenceAndTyping() {
    String aliceName = unique("alice");
    String bobName = unique("bob");
    WebPage alice = desktop().signUp(aliceName, "Alice Liddell");
    WebPage bob = desktop().signUp(bobName, "Bob Marley");

    alice.startChat(bobName);
    assertThat(alice.page.locator("#thread-title")).hasText("Bob Marley");
    assertThat(alice.page.locator("#thread-subtitle")).hasText("online");

    // bob loses the network: alice sees him go, and her message gets only the sent tick
    bob.offline(true);
    assertThat(bob.connection()).hasAttribute("data-state", "offline");
    assertThat(alice.page.locator("#thread-subtitle")).hasText(Pattern.compile("last seen"));
    alice.send("Hi Bob, are you there?");
    Locator hi = alice.message("Hi Bob, are you there?");
    assertThat(hi).hasAttribute("data-status", "sent");
    assertThat(hi.locator(".tick")).hasAttribute("aria-label", "Sent");

    // back online: delivered (bob's client confirms), with an unread badge on bob's side
    bob.offline(false);
    bob.awaitOnline();
    assertThat(hi).hasAttribute("data-status", "delivered");
    Locator bobsItem = bob.conversation("Alice Liddell");
    assertThat(bobsItem.locator(".badge")).hasText("1");
    assertThat(bobsItem.locator(".conv-last")).hasText("Hi Bob, are you there?");
    assertThat(bob.page).hasTitle("(1) Parley");
    bob.screenshot("unread-badge");

    // bob opens the chat: read tick for alice, badge and title badge gone for bob
    bob.open("Alice Liddell");
    assertThat(hi).hasAttribute("data-status", "read");
    assertThat(hi.locator(".tick")).hasAttribute("aria-label", "Read");
    assertThat(bobsItem.locator(".badge")).hasCount(0);
    assertThat(bob.page).hasTitle("Parley");

    // typing indicator, then the reply; the reply is announced to screen readers on alice's side
    bob.page
        .getByLabel("Message", new com.microsoft.playwright.Page.GetByLabelOptions().setExact(true))
        .pressSequentially("Yes");
    assertThat(alice.page.locator("#thread-subtitle")).hasText("typing…");
    bob.page.keyboard().press("Control+A");
    bob.send("Yes! Here, with ticks.");
    assertThat(alice.message("Yes! Here, with ticks.")).isVisible();
    assertThat(alice.page.locator("#announcer")).hasText("Bob Marley: Yes! Here, with ticks.");
    assertThat(alice.page.locator("#thread-subtitle")).hasText("online");
    assertThat(bob.message("Yes! Here, with ticks.")).hasAttribute("data-status", "read");
    alice.send("Great, see you at 8 🎉");
    assertThat(bob.message("see you at 8")).isVisible();
    alice.screenshot("direct-chat");
  }
}
