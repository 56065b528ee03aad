-- Media (F11). One blob per distinct content (keyed by its SHA-256), reference-counted by the
-- media rows that point at it: one row per upload.

CREATE TABLE media_blobs (
  sha256     TEXT    PRIMARY KEY,
  size       INTEGER NOT NULL,
  ref_count  INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE media (
  id           INTEGER PRIMARY KEY,
  owner_id     INTEGER NOT NULL,
  sha256       TEXT    NOT NULL REFERENCES media_blobs (sha256),
  kind         TEXT    NOT NULL CHECK (kind IN ('media', 'document', 'thumbnail')),
  content_type TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  file_name    TEXT,
  thumbnail_of INTEGER,
  thumbnail_id INTEGER,
  created_at   INTEGER NOT NULL
);
CREATE INDEX media_owner ON media (owner_id);
CREATE INDEX media_sha256 ON media (sha256);

-- Which messages reference which media: drives download authorization (members of a conversation
-- where a message references the media may download it).
CREATE TABLE message_media (
  conversation_id INTEGER NOT NULL,
  message_id      INTEGER NOT NULL,
  media_id        INTEGER NOT NULL,
  file_name       TEXT,
  PRIMARY KEY (conversation_id, message_id, media_id)
) WITHOUT ROWID;
CREATE INDEX message_media_media ON message_media (media_id, conversation_id);
