-- "Contains" search at a million invites. LIKE '%text%' can use no B-tree index, so a rare
-- text meant reading every address (0.4 s here). The trigram tokenizer of FTS5 indexes
-- every three-character run of each address; a phrase query then finds the addresses that
-- contain a text of three characters or more (domain/src/store/invite_search.rs picks this
-- plan only when matches are rare).
--
-- A table of its own (not external content): an invite's id rides along, unindexed, since
-- the rowid of `invites` (a table keyed by TEXT) may change in a VACUUM. Addresses never
-- change once written, and invites are never deleted, but a delete keeps the index true.
CREATE VIRTUAL TABLE invite_email_trigrams USING fts5(email, invite_id UNINDEXED, tokenize = 'trigram');

INSERT INTO invite_email_trigrams (email, invite_id) SELECT email, id FROM invites;

CREATE TRIGGER invites_trigrams_insert AFTER INSERT ON invites
BEGIN
    INSERT INTO invite_email_trigrams (email, invite_id) VALUES (NEW.email, NEW.id);
END;
CREATE TRIGGER invites_trigrams_delete AFTER DELETE ON invites
BEGIN
    DELETE FROM invite_email_trigrams WHERE invite_id = OLD.id;
END;
