-- Search indexing leaves the group commit (issue 7), SQLite dialect.
--
-- V5 indexed each message in FTS5 inside the transaction that stored it, so every writer batch
-- also wrote a new FTS5 segment: profiled as the largest share of the writer thread's time. Now an
-- insert only queues the message's key here, in the same transaction (so nothing is ever left out,
-- even after SIGKILL); SqliteSearchQueue moves queued messages into message_fts in large batches,
-- in the background and before every search (so a search still sees every message stored before
-- it started). The queue is appended to in rowid order, so a writer batch dirties one or two of
-- its pages, not one per message. A message deleted before it was indexed is simply not found
-- when its turn comes (message_fts_delete of V5 removes indexed ones).
DROP TRIGGER message_fts_insert;

CREATE TABLE message_fts_pending (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL,
  seq             INTEGER NOT NULL
);

CREATE TRIGGER message_fts_pending_insert AFTER INSERT ON messages
BEGIN
  INSERT INTO message_fts_pending (conversation_id, seq) VALUES (new.conversation_id, new.seq);
END;
