package io.parley.server.push;

import java.util.Map;

/**
 * What one push says. {@code collapseKey} groups notifications of one conversation on the device;
 * {@code data} are string pairs for the app (conversation_id, message_id, seq, count). An encrypted
 * message never puts content in {@code title}/{@code body}.
 */
public record Notification(
    String title, String body, String collapseKey, Map<String, String> data, int count) {}
