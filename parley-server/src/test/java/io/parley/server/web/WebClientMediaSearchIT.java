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
import io.parley.server.it.TestNode.TestUser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The web client's media and search (F20 on top of F11 and F10), in headless Chromium. Each test
 * first probes its endpoint; while that feature is not merged it is ABORTED (JUnit assumption) with
 * a message naming the missing endpoint, never passed.
 */
class WebClientMediaSearchIT extends WebTestBase {
  @Test
  void imageAndDocumentUploadShownToTheOtherSide() throws Exception {
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    String aliceName = named(aliceU, "Alice Cooper");
    String bobName = named(bobU, "Bob Dylan");
    aliceU.http().createDirect(bobU.id());
    WebPage alice = desktop().logIn(aliceU.username());
    WebPage bob = desktop().logIn(bobU.username());
    alice.open(bobName);

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

    bob.open(aliceName);
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
    TestUser aliceU = node.user("alice");
    TestUser bobU = node.user("bob");
    named(aliceU, "Alice Cooper");
    named(bobU, "Bob Dylan");
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

  static JsonObject unthrottled() {
    JsonObject o = new JsonObject();
    o.addProperty("offline", false);
    o.addProperty("latency", 0);
    o.addProperty("downloadThroughput", -1);
    o.addProperty("uploadThroughput", -1);
    return o;
  }
}
