-- The search index leaves this file (issue 7), SQLite dialect.
--
-- V12 took FTS5 indexing out of the group commit, but the index still lived in this file, so
-- moving the queue into it needed this file's one write lock: it ran on the message writer's thread
-- between batches, and a send arriving meanwhile waited for it. Now the index is its own database
-- (parley-search.db beside this file, built by SqliteSearchQueue on a thread of its own and
-- rebuilt from messages whenever it is missing), so indexing never holds this file's write lock.
-- This file keeps the queue, written by triggers in the storing (or deleting) transaction, so
-- nothing is ever left out, even after SIGKILL: a row with message_id NULL asks to index the
-- message at (conversation_id, seq); a row with message_id set says that message was deleted.
DROP TRIGGER message_fts_delete;
DROP TABLE message_fts;

ALTER TABLE message_fts_pending ADD COLUMN message_id INTEGER;

CREATE TRIGGER message_fts_pending_delete AFTER DELETE ON messages
BEGIN
  INSERT INTO message_fts_pending (conversation_id, seq, message_id)
  VALUES (old.conversation_id, old.seq, old.message_id);
END;
