-- "Contains" search at a million invites. LIKE '%text%' can use no B-tree index, so a rare
-- text meant reading every address. pg_trgm's GIN index answers LIKE '%text%' for texts of
-- three characters or more (domain/src/store/invite_search.rs picks this plan only when
-- matches are rare). pg_trgm ships with PostgreSQL and is a trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX invites_email_trigrams ON invites USING gin (email gin_trgm_ops);
