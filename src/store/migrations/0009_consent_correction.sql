-- Schema 9: correcting records for consent and withdrawal records entered in error.
-- Consent and withdrawal records stay immutable; a correction marks one of them as
-- entered in error, and every reader of consent ignores a corrected record (the
-- participant's history lists it, marked as corrected). One correction per record.
CREATE TABLE consent_correction (
    id             TEXT PRIMARY KEY,
    record_kind    TEXT NOT NULL CHECK (record_kind IN ('consent', 'withdrawal')),
    record_id      TEXT NOT NULL UNIQUE,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    reason         TEXT NOT NULL,
    corrected_at   TEXT NOT NULL,
    corrected_by   TEXT NOT NULL,
    device_id      TEXT
);
CREATE INDEX consent_correction_participant ON consent_correction(participant_id);
CREATE TRIGGER consent_correction_immutable_update BEFORE UPDATE ON consent_correction
BEGIN SELECT RAISE(ABORT, 'consent corrections are immutable'); END;

-- A deleted session (a record created by mistake) takes its note out of the search
-- indexes, here and on every laptop the delete reaches by sync.
CREATE TRIGGER session_note_delete AFTER DELETE ON session WHEN old.notes IS NOT NULL BEGIN
    DELETE FROM note_fts WHERE kind = 'note' AND ref_id = old.id;
    DELETE FROM note_stem WHERE kind = 'note' AND ref_id = old.id;
END;
