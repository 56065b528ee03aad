package io.parley.server.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.FilePayload;
import io.parley.client.Bodies;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
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
          .hasText(aliceU.username() + ": Who is bringing the tent?");
      p.open("Weekend trip");
      assertThat(p.message("Who is bringing the tent?").locator(".sender"))
          .hasText(aliceU.username());
    }
    // read by both other members: the read tick
    assertThat(alice.message("Who is bringing the tent?")).hasAttribute("data-status", "read");

    carol.send("I will, and the stove.");
    assertThat(alice.message("I will, and the stove.").locator(".sender"))
        .hasText(carolU.username());
    assertThat(bob.message("I will, and the stove.")).isVisible();
    bob.page
        .getByLabel("Message", new Page.GetByLabelOptions().setExact(true))
        .pressSequentially("On my");
    assertThat(alice.page.locator("#thread-subtitle")).hasText(bobU.username() + " is typing…");
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
            AriaRole.BUTTON,
            new Page.GetByRoleOptions().setName("Make " + bobU.username() + " an admin"))
        .click();
    assertThat(alice.page.locator("#group-members li[data-user-id=\"" + bobU.id() + "\"] .role"))
        .hasText("admin");
    alice
        .page
        .getByRole(
            AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Remove " + carolU.username()))
        .click();
    assertThat(members).hasCount(2);
    alice.screenshot("group-info");
    alice.page.keyboard().press("Escape");

    assertThat(alice.page.locator("#messages li.sys"))
        .containsText(
            new String[] {
              "You created the group",
              "You made " + bobU.username() + " an admin",
              "You removed " + carolU.username()
            });
    assertThat(bob.page.locator("#messages li.sys").last())
        .hasText("" + aliceU.username() + " removed " + carolU.username());
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

  @Test
  void imageAndDocumentUploadShownToTheOtherSide() throws Exception {
    assumeEndpoint("POST", "/v1/media", "media (F11)");
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    aliceU.http().createDirect(bobU.id());
    WebPage alice = desktop().logIn(aliceU.username());
    WebPage bob = desktop().logIn(bobU.username());
    alice.open(bobU.username());

    // slow the upload down so that the progress bar is seen
    CDPSession cdp = alice.context.newCDPSession(alice.page);
    cdp.send("Network.enable");
    JsonObject slow = new JsonObject();
    slow.addProperty("offline", false);
    slow.addProperty("latency", 20);
    slow.addProperty("downloadThroughput", -1);
    slow.addProperty("uploadThroughput", 100_000);
    cdp.send("Network.emulateNetworkConditions", slow);

    byte[] png = TestImages.noisyPng(480, 360);
    assertThat(png.length).isGreaterThan(150_000);
    alice
        .page
        .locator("#file-input")
        .setInputFiles(new FilePayload("sunset.png", "image/png", png));
    assertThat(alice.page.locator("#attach-tray img")).isVisible();
    assertThat(alice.page.locator("#attach-name")).hasText("sunset.png");
    alice.screenshot("attachment-preview");
    alice.send("Sunset at the lake");
    assertThat(alice.page.locator("#messages li.upload progress")).isVisible();
    alice.screenshot("upload-progress");
    Locator sent = alice.page.locator("#messages li.msg[data-status] img.media-image");
    assertThat(sent).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(30_000));
    assertThat(alice.page.locator("#messages li.upload")).hasCount(0);

    bob.open(aliceU.username());
    Locator img = bob.page.locator("#messages li.msg img.media-image");
    assertThat(img).isVisible();
    assertThat(img).hasAttribute("alt", "Photo: Sunset at the lake");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInSameThread()
        .until(() -> (Integer) img.evaluate("i => i.naturalWidth") == 480);
    assertThat(bob.message("Sunset at the lake")).isVisible();
    assertThat(alice.page.locator("#messages li.msg.mine").last())
        .hasAttribute("data-status", "read");
    bob.screenshot("image-received");

    // a document: bob downloads exactly the bytes alice sent
    cdp.send("Network.emulateNetworkConditions", unthrottled());
    byte[] doc = "Packing list\n- tent\n- stove\n".getBytes(StandardCharsets.UTF_8);
    alice
        .page
        .locator("#file-input")
        .setInputFiles(new FilePayload("packing-list.txt", "text/plain", doc));
    alice.page.getByLabel("Message", new Page.GetByLabelOptions().setExact(true)).press("Enter");
    Locator card =
        bob.page
            .locator("#messages li.msg .doc-name")
            .filter(new Locator.FilterOptions().setHasText("packing-list.txt"));
    assertThat(card).isVisible();
    Download download = bob.page.waitForDownload(card::click);
    assertThat(download.suggestedFilename()).isEqualTo("packing-list.txt");
    assertThat(Files.readAllBytes(download.path())).isEqualTo(doc);
  }

  @Test
  void searchJumpsToAnOldMessage() throws Exception {
    assumeEndpoint("GET", "/v1/search?q=x", "search (F10)");
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    String conv = aliceU.http().createDirect(bobU.id());
    String word = "quokka" + UUID.randomUUID().toString().substring(0, 6);
    for (int i = 1; i <= 120; i++) {
      String text = i == 7 ? "the secret word is " + word : "filler message " + i;
      bobU.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text(text));
    }
    WebPage alice = desktop().logIn(aliceU.username());
    Locator search = alice.page.getByRole(AriaRole.SEARCHBOX);
    Locator result = alice.page.locator("#search-list button.result");
    Awaitility.await() // the index may trail the commit a little
        .atMost(Duration.ofSeconds(20))
        .pollInSameThread()
        .until(
            () -> {
              search.fill(word);
              search.press("Enter");
              alice
                  .page
                  .locator("#search-status")
                  .filter(new Locator.FilterOptions().setHasNotText("Searching"))
                  .waitFor();
              return result.count() > 0;
            });
    assertThat(result).hasCount(1);
    assertThat(result.locator("mark")).hasText(word);
    assertThat(result).hasAttribute("data-seq", "7");
    alice.screenshot("search-results");

    result.click();
    Locator target = alice.page.locator("#messages li[data-seq=\"7\"]");
    assertThat(target).isInViewport();
    assertThat(target).containsText(word);
    assertThat(target).hasClass(Pattern.compile("\\bflash\\b"));
    assertThat(target).isFocused();
    alice.screenshot("search-jump");
    // the newest messages are one scroll away
    alice
        .page
        .getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Jump to latest messages"))
        .click();
    assertThat(alice.message("filler message 120")).isInViewport();
  }

  @Test
  void phoneLayoutKeyboardAndScreenReader() {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    String conv = aliceU.http().createDirect(bobU.id());
    bobU.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("Lunch tomorrow?"));
    WebPage alice = phone().logIn(aliceU.username());
    WebPage bob = desktop().logIn(bobU.username());

    // one pane at a time: the list first
    assertThat(alice.page.locator(".sidebar")).isVisible();
    assertThat(alice.page.locator("#thread")).isHidden();
    assertThat(alice.conversation(bobU.username()).locator(".badge")).hasText("1");
    alice.screenshot("phone-list");

    // keyboard only: Ctrl+K to search, arrow down to the list, Enter to open, Enter to send
    alice.page.keyboard().press("Control+k");
    assertThat(alice.page.getByRole(AriaRole.SEARCHBOX)).isFocused();
    alice.conversation(bobU.username()).focus();
    alice.page.keyboard().press("Enter");
    assertThat(alice.page.locator("#thread")).isVisible();
    assertThat(alice.page.locator(".sidebar")).isHidden();
    Locator input = alice.page.getByLabel("Message", new Page.GetByLabelOptions().setExact(true));
    assertThat(input).isFocused();
    bob.open(aliceU.username());
    alice.page.keyboard().type("Sure, 12:30 at the usual place");
    alice.page.keyboard().press("Enter");
    assertThat(bob.message("Sure, 12:30 at the usual place")).isVisible();
    bob.send("Perfect");
    assertThat(alice.page.locator("#announcer")).hasText(bobU.username() + ": Perfect");
    alice.screenshot("phone-chat");

    // screen reader basics: live region, status, labelled controls
    assertThat(alice.page.locator("#announcer")).hasAttribute("aria-live", "polite");
    assertThat(alice.connection()).hasAttribute("role", "status");
    assertThat(alice.message("Lunch tomorrow?"))
        .containsText(bobU.username() + ": Lunch tomorrow?");
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
    assertThat(alice.conversation(bobU.username())).isFocused();
  }

  /** Probes an endpoint another branch builds; aborts (not passes) with a clear message. */
  static void assumeEndpoint(String method, String path, String feature) throws Exception {
    HttpResponse<String> r =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Assumptions.assumeFalse(
        r.statusCode() == 404 && r.body().contains("no such endpoint"),
        "ENDPOINT MISSING: "
            + method
            + " "
            + path
            + " is not on this branch yet ("
            + feature
            + " is built in parallel); this web test runs once it is merged");
  }

  static JsonObject unthrottled() {
    JsonObject o = new JsonObject();
    o.addProperty("offline", false);
    o.addProperty("latency", 0);
    o.addProperty("downloadThroughput", -1);
    o.addProperty("uploadThroughput", -1);
    return o;
  }
}
