-- Search (F10) and retention (F15), PostgreSQL dialect.

-- Case and accent folding: the simple parser and dictionary behind unaccent.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION parley_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION parley_search
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
  WITH unaccent, simple;

-- Searchable message text: text bodies, media captions, document file names (never encrypted
-- or system bodies). Rows go away with their message (ON DELETE CASCADE).
CREATE TABLE message_search (
  conversation_id BIGINT   NOT NULL,
  seq             BIGINT   NOT NULL,
  message_id      BIGINT   NOT NULL,
  text            TEXT     NOT NULL,
  tsv             tsvector NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  FOREIGN KEY (conversation_id, seq) REFERENCES messages (conversation_id, seq) ON DELETE CASCADE
);
CREATE INDEX message_search_tsv ON message_search USING GIN (tsv);

CREATE FUNCTION message_search_text(body TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE b ->> 'kind'
           WHEN 'text' THEN b ->> 'text'
           WHEN 'media' THEN b ->> 'caption'
           WHEN 'document' THEN b ->> 'file_name'
         END
  FROM (SELECT body::jsonb AS b) x
$$;

-- Indexed in the inserting transaction (the group commit).
CREATE FUNCTION message_search_index() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  t TEXT;
BEGIN
  t := message_search_text(NEW.body);
  IF t IS NOT NULL AND t <> '' THEN
    INSERT INTO message_search (conversation_id, seq, message_id, text, tsv)
    VALUES (NEW.conversation_id, NEW.seq, NEW.message_id, t,
            to_tsvector('parley_search'::regconfig, t));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER message_search_insert AFTER INSERT ON messages
FOR EACH ROW EXECUTE FUNCTION message_search_index();

-- messages stored before this migration
INSERT INTO message_search (conversation_id, seq, message_id, text, tsv)
SELECT conversation_id, seq, message_id, t, to_tsvector('parley_search'::regconfig, t)
FROM (SELECT conversation_id, seq, message_id, message_search_text(body) AS t FROM messages) x
WHERE t IS NOT NULL AND t <> '';

-- Per-conversation retention in days (0: only the deployment's retention.days applies).
ALTER TABLE conversations ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;
