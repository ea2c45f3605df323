-- fieldwork schema, version 5: search finds word forms. A second index of transcript turns,
-- session notes and memos with the Porter stemmer (`integrate` finds `integrated`); the
-- unstemmed indexes (turn_fts, note_fts) stay for exact searches (`search --exact`).
-- Both are built here from the rows already in the database.
CREATE VIRTUAL TABLE turn_stem USING fts5(
    text, content = 'turn', content_rowid = 'n',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO turn_stem (turn_stem) VALUES ('rebuild');

CREATE VIRTUAL TABLE note_stem USING fts5(
    text, kind UNINDEXED, ref_id UNINDEXED, session_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO note_stem (rowid, text, kind, ref_id, session_id)
    SELECT rowid, text, kind, ref_id, session_id FROM note_fts;
CREATE TRIGGER session_note_stem_insert AFTER INSERT ON session WHEN new.notes IS NOT NULL BEGIN
    INSERT INTO note_stem (text, kind, ref_id, session_id) VALUES (new.notes, 'note', new.id, new.id);
END;
CREATE TRIGGER session_note_stem_update AFTER UPDATE OF notes ON session BEGIN
    DELETE FROM note_stem WHERE kind = 'note' AND ref_id = old.id;
    INSERT INTO note_stem (text, kind, ref_id, session_id)
        SELECT new.notes, 'note', new.id, new.id WHERE new.notes IS NOT NULL;
END;
CREATE TRIGGER tag_memo_stem_insert AFTER INSERT ON tag WHEN new.memo IS NOT NULL BEGIN
    INSERT INTO note_stem (text, kind, ref_id, session_id) VALUES (new.memo, 'memo', new.id, new.session_id);
END;
CREATE TRIGGER tag_memo_stem_update AFTER UPDATE OF memo ON tag BEGIN
    DELETE FROM note_stem WHERE kind = 'memo' AND ref_id = old.id;
    INSERT INTO note_stem (text, kind, ref_id, session_id)
        SELECT new.memo, 'memo', new.id, new.session_id WHERE new.memo IS NOT NULL;
END;
CREATE TRIGGER tag_memo_stem_delete AFTER DELETE ON tag WHEN old.memo IS NOT NULL BEGIN
    DELETE FROM note_stem WHERE kind = 'memo' AND ref_id = old.id;
END;
