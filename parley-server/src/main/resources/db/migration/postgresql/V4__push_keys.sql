-- Push notifications (F12) and the end-to-end key directory (F13), PostgreSQL dialect.

-- The push token of a device (at most one per device).
CREATE TABLE push_tokens (
  device_id  BIGINT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL,
  provider   TEXT   NOT NULL CHECK (provider IN ('fcm', 'apns', 'webhook')),
  token      TEXT   NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX push_tokens_user ON push_tokens (user_id);

-- Generic transactional outbox: jobs written in the same transaction as the change they follow.
-- state 'pending' jobs are claimed when due_at <= now (a claim moves due_at forward by a lease,
-- under FOR UPDATE SKIP LOCKED so every node can drain); 'dead' jobs are dead letters.
CREATE TABLE outbox (
  id         BIGSERIAL PRIMARY KEY,
  kind       TEXT   NOT NULL,
  dedupe_key TEXT   NOT NULL UNIQUE,
  group_key  TEXT   NOT NULL,
  payload    TEXT   NOT NULL,
  state      TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
  due_at     BIGINT NOT NULL,
  attempts   INT    NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, kind, due_at);
CREATE INDEX outbox_group ON outbox (group_key);

-- X3DH key directory: one identity key and signed prekey per device.
CREATE TABLE device_keys (
  device_id        BIGINT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  user_id          BIGINT NOT NULL,
  identity_key     TEXT   NOT NULL,
  signed_prekey_id BIGINT NOT NULL,
  signed_prekey    TEXT   NOT NULL,
  signature        TEXT   NOT NULL,
  updated_at       BIGINT NOT NULL
);
CREATE INDEX device_keys_user ON device_keys (user_id);

-- One-time prekeys, each handed out once (deleted when claimed).
CREATE TABLE one_time_prekeys (
  device_id  BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  key_id     BIGINT NOT NULL,
  public_key TEXT   NOT NULL,
  PRIMARY KEY (device_id, key_id)
);
