-- Nothing to change on PostgreSQL: its trigram index is a GIN index on the invites
-- themselves. This step keeps the two backends' migration histories in step (see the SQLite
-- one).
SELECT 1;
