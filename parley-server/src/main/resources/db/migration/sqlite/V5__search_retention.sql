-- Search (F10) and retention (F15), SQLite dialect.

-- Full-text index of searchable message text: text bodies, media captions, document file names.
-- Never encrypted or system bodies. rowid = message_id; conversation_id and seq locate the row in
-- messages. Case and accents are folded by the tokenizer. conv holds one token 'c<conversation id>'
-- so that a query can be narrowed to the user's conversations inside the index.
CREATE VIRTUAL TABLE message_fts USING fts5(
  text,
  conv,
  conversation_id UNINDEXED,
  seq UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2',
  -- prefix indexes for the 2- and 3-letter prefixes typed first (search as you type)
  prefix = '2 3'
);

-- Indexed in the inserting transaction (the group commit), removed with the message.
CREATE TRIGGER message_fts_insert AFTER INSERT ON messages
WHEN json_valid(new.body) AND json_extract(new.body, '$.kind') IN ('text', 'media', 'document')
BEGIN
  INSERT INTO message_fts (rowid, text, conv, conversation_id, seq)
  SELECT new.message_id, t, 'c' || new.conversation_id, new.conversation_id, new.seq
  FROM (SELECT CASE json_extract(new.body, '$.kind')
                 WHEN 'text' THEN json_extract(new.body, '$.text')
                 WHEN 'media' THEN json_extract(new.body, '$.caption')
                 ELSE json_extract(new.body, '$.file_name')
               END AS t)
  WHERE t IS NOT NULL AND t <> '';
END;

CREATE TRIGGER message_fts_delete AFTER DELETE ON messages
BEGIN
  DELETE FROM message_fts WHERE rowid = old.message_id;
END;

-- messages stored before this migration
INSERT INTO message_fts (rowid, text, conv, conversation_id, seq)
SELECT message_id, t, 'c' || conversation_id, conversation_id, seq
FROM (SELECT message_id, conversation_id, seq,
             CASE json_extract(body, '$.kind')
               WHEN 'text' THEN json_extract(body, '$.text')
               WHEN 'media' THEN json_extract(body, '$.caption')
               WHEN 'document' THEN json_extract(body, '$.file_name')
             END AS t
      FROM messages WHERE json_valid(body))
WHERE t IS NOT NULL AND t <> '';

-- Per-conversation retention in days (0: only the deployment's retention.days applies).
ALTER TABLE conversations ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;
