-- fieldwork schema, version 2: transcript text in the database (speaker turns), full-text
-- search, passage anchoring and framework-matrix summaries.

-- Imported text, as speaker turns that partition the transcript's canonical text: the text
-- is the turns' texts in `seq` order. Offsets are in characters.
CREATE TABLE turn (
    id            TEXT PRIMARY KEY,
    n             INTEGER NOT NULL UNIQUE,     -- local integer key for the search index
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    seq           INTEGER NOT NULL,
    speaker       TEXT,
    start_char    INTEGER NOT NULL,
    end_char      INTEGER NOT NULL,
    start_ms      INTEGER,
    end_ms        INTEGER,
    text          TEXT NOT NULL,
    UNIQUE (transcript_id, seq)
);

CREATE TABLE transcript_import (
    transcript_id TEXT PRIMARY KEY REFERENCES transcript(id),
    sha256        TEXT NOT NULL,
    encoding      TEXT NOT NULL,
    format        TEXT NOT NULL,
    chars         INTEGER NOT NULL,
    words         INTEGER NOT NULL,
    warnings      TEXT,
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL
);

CREATE VIRTUAL TABLE turn_fts USING fts5(
    text, content = 'turn', content_rowid = 'n',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER turn_fts_insert AFTER INSERT ON turn BEGIN
    INSERT INTO turn_fts (rowid, text) VALUES (new.n, new.text);
END;
CREATE TRIGGER turn_fts_delete AFTER DELETE ON turn BEGIN
    INSERT INTO turn_fts (turn_fts, rowid, text) VALUES ('delete', old.n, old.text);
END;
CREATE TRIGGER turn_fts_update AFTER UPDATE OF text, n ON turn BEGIN
    INSERT INTO turn_fts (turn_fts, rowid, text) VALUES ('delete', old.n, old.text);
    INSERT INTO turn_fts (rowid, text) VALUES (new.n, new.text);
END;

-- Session notes (observations, interviews, documents) and memos, searchable too.
CREATE VIRTUAL TABLE note_fts USING fts5(
    text, kind UNINDEXED, ref_id UNINDEXED, session_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO note_fts (text, kind, ref_id, session_id)
    SELECT notes, 'note', id, id FROM session WHERE notes IS NOT NULL;
INSERT INTO note_fts (text, kind, ref_id, session_id)
    SELECT memo, 'memo', id, session_id FROM tag WHERE memo IS NOT NULL;
CREATE TRIGGER session_note_insert AFTER INSERT ON session WHEN new.notes IS NOT NULL BEGIN
    INSERT INTO note_fts (text, kind, ref_id, session_id) VALUES (new.notes, 'note', new.id, new.id);
END;
CREATE TRIGGER session_note_update AFTER UPDATE OF notes ON session BEGIN
    DELETE FROM note_fts WHERE kind = 'note' AND ref_id = old.id;
    INSERT INTO note_fts (text, kind, ref_id, session_id)
        SELECT new.notes, 'note', new.id, new.id WHERE new.notes IS NOT NULL;
END;
CREATE TRIGGER tag_memo_insert AFTER INSERT ON tag WHEN new.memo IS NOT NULL BEGIN
    INSERT INTO note_fts (text, kind, ref_id, session_id) VALUES (new.memo, 'memo', new.id, new.session_id);
END;
CREATE TRIGGER tag_memo_update AFTER UPDATE OF memo ON tag BEGIN
    DELETE FROM note_fts WHERE kind = 'memo' AND ref_id = old.id;
    INSERT INTO note_fts (text, kind, ref_id, session_id)
        SELECT new.memo, 'memo', new.id, new.session_id WHERE new.memo IS NOT NULL;
END;
CREATE TRIGGER tag_memo_delete AFTER DELETE ON tag WHEN old.memo IS NOT NULL BEGIN
    DELETE FROM note_fts WHERE kind = 'memo' AND ref_id = old.id;
END;

-- Passage anchoring: the context around the quote, and whether the last re-import kept
-- the passage on the same text ('ok'), moved it onto changed text ('changed'), or could
-- not place it ('lost'; its quote is kept).
ALTER TABLE tag ADD COLUMN prefix TEXT;
ALTER TABLE tag ADD COLUMN suffix TEXT;
ALTER TABLE tag ADD COLUMN anchor TEXT NOT NULL DEFAULT 'ok'
    CHECK (anchor IN ('ok', 'changed', 'lost'));
CREATE INDEX tag_transcript ON tag(transcript_id, span_start);

-- The Framework Method's chart: an analyst's summary per case × theme × phase.
CREATE TABLE matrix_summary (
    participant_id TEXT NOT NULL REFERENCES participant(id),
    theme_id       TEXT NOT NULL REFERENCES theme(id),
    phase_id       TEXT NOT NULL REFERENCES phase(id),
    summary        TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (participant_id, theme_id, phase_id)
) WITHOUT ROWID;
