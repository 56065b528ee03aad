-- Reconnect cost proportional to what was missed (issue 7 item 3), SQLite dialect.

-- When a member's delivered/read position last rose (epoch ms), so that a reconnecting device
-- is sent only the receipts that changed since it last synced.
ALTER TABLE members ADD COLUMN receipt_at INTEGER NOT NULL DEFAULT 0;

-- When the device last received the receipt positions in a sync (epoch ms; 0 = never).
ALTER TABLE devices ADD COLUMN receipts_synced_at INTEGER NOT NULL DEFAULT 0;
