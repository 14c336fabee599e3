-- Nothing to change on SQLite: its trigram index is an FTS5 table that only MATCH reaches.
-- This step keeps the two backends' migration histories in step (see the PostgreSQL one).
SELECT 1;
