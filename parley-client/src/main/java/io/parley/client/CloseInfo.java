package io.parley.client;

/** How a WebSocket connection ended: close code (1006 when abnormal) and reason. */
public record CloseInfo(int code, String reason) {}
