-- Membership periods are found through members (issue 7).
--
-- The only query that looked periods up by user (every period of a user's current conversations)
-- now starts from members, through members_user, and reaches each period by its primary key. The
-- index on membership_periods (user_id) had no other reader, and it cost every new membership,
-- i.e. both users of every new direct conversation, an index entry on a random page: the writer
-- wrote that page at commit and again at checkpoint.
DROP INDEX membership_periods_user;
