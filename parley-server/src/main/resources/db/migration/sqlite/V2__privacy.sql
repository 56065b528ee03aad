-- Revocation, privacy and history visibility (issue 6 items 5-8), SQLite dialect.

-- Refresh rotation remembers each token's successor, so that a repeat of the latest rotation
-- within the grace window (two tabs refreshing at once) is told apart from a replay.
ALTER TABLE refresh_tokens ADD COLUMN replaced_by TEXT;

-- Who sees a user's last seen time and online state: 'everyone' (anyone sharing a
-- conversation), 'contacts' (users with a relationship), 'nobody'.
ALTER TABLE users ADD COLUMN last_seen_visibility TEXT NOT NULL DEFAULT 'contacts'
  CHECK (last_seen_visibility IN ('everyone', 'contacts', 'nobody'));
ALTER TABLE users ADD COLUMN online_visibility TEXT NOT NULL DEFAULT 'contacts'
  CHECK (online_visibility IN ('everyone', 'contacts', 'nobody'));

-- Group setting: members who join while it is on see the history from before they joined.
ALTER TABLE conversations ADD COLUMN history_visible INTEGER NOT NULL DEFAULT 0;

-- Membership periods: a member may read the messages with after_seq < seq <= to_seq of its
-- periods (to_seq NULL while the period is open), and only while it is a member.
CREATE TABLE membership_periods (
  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id         INTEGER NOT NULL,
  after_seq       INTEGER NOT NULL,
  to_seq          INTEGER,
  PRIMARY KEY (conversation_id, user_id, after_seq)
) WITHOUT ROWID;
CREATE INDEX membership_periods_user ON membership_periods (user_id);

INSERT INTO membership_periods (conversation_id, user_id, after_seq, to_seq)
  SELECT conversation_id, user_id, joined_seq, NULL FROM members;
