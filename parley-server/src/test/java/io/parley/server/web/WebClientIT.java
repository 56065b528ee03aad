package io.parley.server.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.parley.client.Bodies;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The web client (F20) end to end: a real node, the real client files it serves, and several users
 * each in their own headless Chromium profile. Screenshots go to {@code target/web-screenshots}.
 * Media and search are in {@link WebClientMediaSearchIT}.
 */
class WebClientIT extends WebTestBase {
  @Test
  void directChatWithTicksPresenceAndTyping() {
    String aliceName = unique("alice");
    String bobName = unique("bob");
    WebPage alice = desktop().signUp(aliceName, "Alice Liddell");
    WebPage bob = desktop().signUp(bobName, "Bob Marley");

    alice.startChat(bobName);
    assertThat(alice.page.locator("#thread-title")).hasText("Bob Marley");
    // presence is private until the two have exchanged a message (privacy default: contacts)
    alice.send("Hello Bob");
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
    assertThat(bobsItem.locator(".badge")).hasText("2");
    assertThat(bobsItem.locator(".conv-last")).hasText("Hi Bob, are you there?");
    assertThat(bob.page).hasTitle("(2) Parley");
    bob.screenshot("unread-badge");

    // bob opens the chat: read tick for alice, badge and title badge gone for bob
    bob.open("Alice Liddell");
    assertThat(hi).hasAttribute("data-status", "read");
    assertThat(hi.locator(".tick")).hasAttribute("aria-label", "Read");
    assertThat(bobsItem.locator(".badge")).hasCount(0);
    assertThat(bob.page).hasTitle("Parley");

    // typing indicator, then the reply; the reply is announced to screen readers on alice's side
    bob.page
        .getByLabel("Message", new Page.GetByLabelOptions().setExact(true))
        .pressSequentially("Yes");
    assertThat(alice.page.locator("#thread-subtitle")).hasText("typing…");
    bob.page.keyboard().press("Control+A");
    bob.send("Yes! Here, with ticks.");
    assertThat(alice.message("Yes! Here, with ticks.")).isVisible();
    assertThat(alice.page.locator("#announcer")).hasText("Bob Marley: Yes! Here, with ticks.");
    assertThat(alice.page.locator("#thread-subtitle")).hasText("online");
    assertThat(bob.message("Yes! Here, with ticks.")).hasAttribute("data-status", "read");
    alice.send("Great, see you at 8.");
    assertThat(bob.message("see you at 8")).isVisible();
    alice.screenshot("direct-chat");
  }

  @Test
  void groupOfThreeWithRolesAndMembers() {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    TestUser carolU = node.user("carol");
    String aliceName = named(aliceU, "Alice Cooper");
    String bobName = named(bobU, "Bob Dylan");
    String carolName = named(carolU, "Carol King");
    WebPage alice = desktop().logIn(aliceU.username());
    WebPage bob = desktop().logIn(bobU.username());
    WebPage carol = desktop().logIn(carolU.username());

    alice.page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("New group")).click();
    alice.page.getByLabel("Group name").fill("Weekend trip");
    alice
        .page
        .getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Members"))
        .fill(bobU.username() + ", " + carolU.username());
    alice.page.locator("#new-group-submit").click();
    assertThat(alice.page.locator("#thread-title")).hasText("Weekend trip");
    assertThat(alice.page.locator("#messages li.sys").first())
        .hasText("You created the group “Weekend trip”");
    assertThat(alice.page.locator("#thread-subtitle")).containsText("3 members");

    alice.send("Who is bringing the tent?");
    for (WebPage p : List.of(bob, carol)) {
      assertThat(p.conversation("Weekend trip").locator(".conv-last"))
          .hasText(aliceName + ": Who is bringing the tent?");
      p.open("Weekend trip");
      assertThat(p.message("Who is bringing the tent?").locator(".sender")).hasText(aliceName);
    }
    // read by both other members: the read tick
    assertThat(alice.message("Who is bringing the tent?")).hasAttribute("data-status", "read");

    carol.send("I will, and the stove.");
    assertThat(alice.message("I will, and the stove.").locator(".sender")).hasText(carolName);
    assertThat(bob.message("I will, and the stove.")).isVisible();
    bob.page
        .getByLabel("Message", new Page.GetByLabelOptions().setExact(true))
        .pressSequentially("On my");
    assertThat(alice.page.locator("#thread-subtitle")).hasText(bobName + " is typing…");
    bob.send("On my way with snacks.");
    assertThat(carol.message("On my way with snacks.")).isVisible();
    alice.screenshot("group-chat");

    // manage: bob becomes admin, carol is removed
    alice
        .page
        .getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Group info"))
        .click();
    Locator members = alice.page.locator("#group-members li.member");
    assertThat(members).hasCount(3);
    alice
        .page
        .getByRole(
            AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Make " + bobName + " an admin"))
        .click();
    assertThat(alice.page.locator("#group-members li[data-user-id=\"" + bobU.id() + "\"] .role"))
        .hasText("admin");
    alice
        .page
        .getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Remove " + carolName))
        .click();
    assertThat(members).hasCount(2);
    alice.screenshot("group-info");
    alice.page.keyboard().press("Escape");

    assertThat(alice.page.locator("#messages li.sys"))
        .containsText(
            new String[] {
              "You created the group",
              "You made " + bobName + " an admin",
              "You removed " + carolName
            });
    assertThat(bob.page.locator("#messages li.sys").last())
        .hasText("" + aliceName + " removed " + carolName);
    assertThat(carol.conversation("Weekend trip")).hasCount(0);
    assertThat(carol.page.locator("#thread-main")).isHidden();
    assertThat(carol.page.locator("#toast")).containsText("no longer a member of Weekend trip");
    // bob, now an admin, can manage too
    bob.page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Group info")).click();
    assertThat(bob.page.locator("#form-add-member")).isVisible();
  }

  @Test
  void networkDropAndServerCloseResumeWithoutLoss() {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    aliceU.http().createDirect(bobU.id());
    WebPage alice = desktop().logIn(aliceU.username());
    WebPage bob = desktop().logIn(bobU.username());
    alice.open(bobU.username());
    bob.open(aliceU.username());

    // 1. the browser loses the network
    bob.offline(true);
    assertThat(bob.connection()).hasAttribute("data-state", "offline");
    assertThat(bob.page.locator("#conn-banner")).containsText("No network");
    for (int i = 1; i <= 3; i++) {
      alice.send("while you were away " + i);
      assertThat(alice.message("while you were away " + i)).hasAttribute("data-status", "sent");
    }
    bob.send("written offline");
    assertThat(bob.message("written offline")).hasAttribute("data-status", "pending");
    assertThat(bob.message("written offline").locator(".tick"))
        .hasAttribute("aria-label", "Sending");
    bob.screenshot("offline");
    assertThat(bob.message("while you were away")).hasCount(0);

    bob.offline(false);
    bob.awaitOnline();
    assertThat(bob.page.locator("#messages li.msg .text"))
        .hasText(
            new String[] {
              "while you were away 1",
              "while you were away 2",
              "while you were away 3",
              "written offline"
            });
    assertThat(alice.message("written offline")).isVisible();
    assertThat(bob.message("written offline")).hasAttribute("data-status", "read");
    assertThat(alice.message("while you were away 3")).hasAttribute("data-status", "read");

    // 2. the connection dies without the browser noticing a network change
    for (var c : node.node().wiring().connections().of(Long.parseLong(bobU.id()))) {
      c.close((short) 1001, "test: connection dropped");
    }
    alice.send("after the drop");
    assertThat(bob.message("after the drop")).isVisible();
    bob.awaitOnline();

    // 3. a reload keeps the session (refresh token rotation) and shows the full history once
    bob.page.reload();
    bob.awaitOnline();
    bob.open(aliceU.username());
    assertThat(bob.messages()).hasCount(5);
    assertThat(alice.messages()).hasCount(5);
  }

  @Test
  void historyScrollsBackThroughPages() throws Exception {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    String conv = aliceU.http().createDirect(bobU.id());
    for (int i = 1; i <= 130; i++) {
      bobU.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("history line " + i));
    }
    WebPage alice = desktop().logIn(aliceU.username());
    alice.open(bobU.username());
    assertThat(alice.messages()).hasCount(50);
    assertThat(alice.message("history line 130")).isInViewport();
    assertThat(alice.page.locator("#conv-list .badge")).hasCount(0);

    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInSameThread()
        .until(
            () -> {
              alice.page.locator("#scroller").evaluate("el => el.scrollTop = 0");
              return alice.messages().count() == 130;
            });
    assertThat(alice.page.locator("#history-status")).hasText("Beginning of the conversation");
    assertThat(alice.messages().first()).hasAttribute("data-seq", "1");
    assertThat(alice.messages().first().locator(".text")).hasText("history line 1");
    alice.screenshot("history");
  }

  /**
   * A conversation list answered before the server applied the client's latest {@code read} (the
   * list and the frame travel on different connections) must not bring the unread badge back.
   */
  @Test
  void aListOlderThanTheReadKeepsTheBadgeCleared() {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    TestUser carolU = node.user("carol");
    String bobName = named(bobU, "Bob Stale");
    String conv = aliceU.http().createDirect(bobU.id());
    for (int i = 1; i <= 3; i++) {
      bobU.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("unread " + i));
    }
    String group = carolU.http().createGroup("Plans", List.of(aliceU.id())).conversationId();
    WebPage alice = desktop().logIn(aliceU.username());
    assertThat(alice.conversation(bobName).locator(".badge")).hasText("3");
    String before =
        aliceU.http().raw("GET", "/v1/conversations", null, null).body(); // bob's chat unread

    alice.open(bobName);
    assertThat(alice.conversation(bobName).locator(".badge")).hasCount(0);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                aliceU.http().listConversations().stream()
                    .filter(c -> c.conversationId().equals(conv))
                    .allMatch(c -> c.unreadCount() == 0));

    // every list the page asks for from now on (a group rename makes it refresh) is the old one
    alice.page.route(
        "**/v1/conversations",
        route ->
            route.fulfill(
                new com.microsoft.playwright.Route.FulfillOptions()
                    .setStatus(200)
                    .setContentType("application/json")
                    .setBody(before)));
    alice.page.waitForResponse(
        r -> r.url().endsWith("/v1/conversations") && r.request().method().equals("GET"),
        () -> carolU.http().renameGroup(group, "Plans for Friday"));
    alice.page.waitForTimeout(500); // the page parses and renders the list
    assertThat(alice.conversation(bobName).locator(".badge")).hasCount(0);
    alice.page.unroute("**/v1/conversations");
  }

  @Test
  void phoneLayoutKeyboardAndScreenReader() {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    String aliceName = named(aliceU, "Alice Cooper");
    String bobName = named(bobU, "Bob Dylan");
    String conv = aliceU.http().createDirect(bobU.id());
    bobU.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("Lunch tomorrow?"));
    WebPage alice = phone();
    alice.page.navigate("/");
    alice.screenshot("phone-login");
    alice.logIn(aliceU.username());
    WebPage bob = desktop().logIn(bobU.username());

    // one pane at a time: the list first
    assertThat(alice.page.locator(".sidebar")).isVisible();
    assertThat(alice.page.locator("#thread")).isHidden();
    assertThat(alice.conversation(bobName).locator(".badge")).hasText("1");
    alice.screenshot("phone-list");

    // keyboard only: Ctrl+K to search, arrow down to the list, Enter to open, Enter to send
    alice.page.keyboard().press("Control+k");
    assertThat(alice.page.getByRole(AriaRole.SEARCHBOX)).isFocused();
    alice.conversation(bobName).focus();
    alice.page.keyboard().press("Enter");
    assertThat(alice.page.locator("#thread")).isVisible();
    assertThat(alice.page.locator(".sidebar")).isHidden();
    Locator input = alice.page.getByLabel("Message", new Page.GetByLabelOptions().setExact(true));
    assertThat(input).isFocused();
    bob.open(aliceName);
    alice.page.keyboard().type("Sure, 12:30 at the usual place");
    alice.page.keyboard().press("Enter");
    assertThat(bob.message("Sure, 12:30 at the usual place")).isVisible();
    bob.send("Perfect");
    assertThat(alice.page.locator("#announcer")).hasText(bobName + ": Perfect");
    alice.screenshot("phone-chat");

    // screen reader basics: live region, status, labelled controls
    assertThat(alice.page.locator("#announcer")).hasAttribute("aria-live", "polite");
    assertThat(alice.connection()).hasAttribute("role", "status");
    assertThat(alice.message("Lunch tomorrow?")).containsText(bobName + ": Lunch tomorrow?");
    Object unlabelled =
        alice.page.evaluate(
            "() => [...document.querySelectorAll('button, input, textarea')]"
                + ".filter(e => e.offsetParent !== null)"
                + ".filter(e => !(e.getAttribute('aria-label') || e.labels?.length"
                + " || e.textContent.trim())).map(e => e.outerHTML)");
    assertThat((List<?>) unlabelled).isEmpty();

    // Escape (or the back button) returns to the list
    alice.page.keyboard().press("Escape");
    assertThat(alice.page.locator(".sidebar")).isVisible();
    assertThat(alice.conversation(bobName)).isFocused();
  }

  @Test
  void hiddenTabGetsNotificationsAndTitleBadge() {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    String conv = aliceU.http().createDirect(bobU.id());
    WebPage alice = desktop();
    alice.context.grantPermissions(List.of("notifications"));
    // observe the browser's Notification API (records each one, then shows it as usual)
    alice.page.addInitScript(
        "window.__shown = []; const Real = window.Notification;"
            + "class Observed extends Real { constructor(t, o) { super(t, o);"
            + " window.__shown.push(t + ' | ' + (o && o.body)); } }"
            + "Object.defineProperty(Observed, 'permission', { get: () => Real.permission });"
            + "Observed.requestPermission = (...a) => Real.requestPermission(...a);"
            + "window.Notification = Observed;"
            + VISIBILITY);
    alice.logIn(aliceU.username());
    alice.open(bobU.username());
    assertThat(alice.page.locator("#menu-notify")).isHidden(); // already granted

    // the tab goes to the background (see VISIBILITY: headless windows never really hide)
    alice.page.evaluate("window.__setHidden(true)");

    bobU.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("Are you coming?"));
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInSameThread()
        .until(() -> ((List<?>) alice.page.evaluate("window.__shown")).size() == 1);
    assertThat(alice.page.evaluate("window.__shown"))
        .isEqualTo(List.of(bobU.username() + " | Are you coming?"));
    assertThat(alice.page).hasTitle("(1) Parley");
    // not read while hidden: no read receipt for bob yet
    assertThat(alice.conversation(bobU.username()).locator(".badge")).hasText("1");

    // back to the tab: read, badge and title cleared
    alice.page.evaluate("window.__setHidden(false)");
    assertThat(alice.page).hasTitle("Parley");
    assertThat(alice.conversation(bobU.username()).locator(".badge")).hasCount(0);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> aliceU.http().listConversations().get(0).unreadCount() == 0);
  }

  /**
   * Page visibility under the test's control. Headless Chromium keeps every page visible
   * (minimizing or covering the window changes nothing), so the document's visibility properties
   * are driven by {@code window.__setHidden(bool)}, which also fires {@code visibilitychange}.
   */
  static final String VISIBILITY =
      "let hidden = false;"
          + "Object.defineProperty(Document.prototype, 'visibilityState',"
          + " { get: () => hidden ? 'hidden' : 'visible' });"
          + "Object.defineProperty(Document.prototype, 'hidden', { get: () => hidden });"
          + "window.__setHidden = (h) => { hidden = h;"
          + " document.dispatchEvent(new Event('visibilitychange')); };";
}
