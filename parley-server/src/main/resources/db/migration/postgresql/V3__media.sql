-- Media (F11). One blob per distinct content (keyed by its SHA-256), reference-counted by the
-- media rows that point at it: one row per upload.

CREATE TABLE media_blobs (
  sha256     TEXT   PRIMARY KEY,
  size       BIGINT NOT NULL,
  ref_count  BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE media (
  id           BIGINT PRIMARY KEY,
  owner_id     BIGINT NOT NULL,
  sha256       TEXT   NOT NULL REFERENCES media_blobs (sha256),
  kind         TEXT   NOT NULL CHECK (kind IN ('media', 'document', 'thumbnail')),
  content_type TEXT   NOT NULL,
  size         BIGINT NOT NULL,
  file_name    TEXT,
  thumbnail_of BIGINT,
  thumbnail_id BIGINT,
  created_at   BIGINT NOT NULL
);
CREATE INDEX media_owner ON media (owner_id);
CREATE INDEX media_sha256 ON media (sha256);

-- Which messages reference which media: drives download authorization (members of a conversation
-- where a message references the media may download it).
CREATE TABLE message_media (
  conversation_id BIGINT NOT NULL,
  message_id      BIGINT NOT NULL,
  media_id        BIGINT NOT NULL,
  file_name       TEXT,
  PRIMARY KEY (conversation_id, message_id, media_id)
);
CREATE INDEX message_media_media ON message_media (media_id, conversation_id);
