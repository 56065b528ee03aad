package io.parley.protocol;

import java.util.List;

/** The frame types of the public wire contract (API.md), client → server then server → client. */
public final class FrameTypes {
  private FrameTypes() {}

  /** Every {@code type} named by API.md. */
  public static final List<String> CONTRACT =
      List.of(
          "send",
          "delivered",
          "read",
          "typing",
          "presence_subscribe",
          "presence_unsubscribe",
          "ping",
          "hello",
          "ack",
          "message",
          "synced",
          "receipt",
          "presence",
          "conversation",
          "pong",
          "error",
          "reconnect");
}
