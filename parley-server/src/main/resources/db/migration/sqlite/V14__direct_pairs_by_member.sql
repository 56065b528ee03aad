-- Direct pairs are found through their members (issue 7), SQLite dialect.
--
-- Each member row of a direct conversation holds the other user in peer_id (itself in a
-- conversation with oneself), and members_user is keyed by (user_id, peer_id), so "the
-- conversation of users a and b" is one search of that index. New direct conversations leave
-- direct_key NULL: its unique index then takes their entries at one end (NULLs sort first, by
-- rowid) instead of on a random page, one random page fewer per new conversation, written at
-- commit and again at checkpoint. Conversations made before keep their direct_key, unread.
-- PostgreSQL keeps direct_key: there concurrent nodes need its uniqueness.
ALTER TABLE members ADD COLUMN peer_id INTEGER;

UPDATE members
SET peer_id = COALESCE(
  (SELECT o.user_id FROM members o
   WHERE o.conversation_id = members.conversation_id AND o.user_id <> members.user_id),
  members.user_id)
WHERE conversation_id IN (SELECT id FROM conversations WHERE type = 'direct');

DROP INDEX members_user;
CREATE INDEX members_user ON members (user_id, peer_id);
