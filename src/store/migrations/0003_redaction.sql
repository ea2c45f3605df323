-- fieldwork schema, version 3: the register of identifiers for transcript redaction, the
-- allow-list of reviewed words, and the anonymisation log (identifying: never exported).

CREATE TABLE identifier (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('person', 'organisation', 'place', 'programme', 'other')),
    label      TEXT NOT NULL UNIQUE,       -- the one replacement, e.g. [Participant P7QK]
    source     TEXT NOT NULL,              -- participant, organisation, site, reviewer, manual
    source_key TEXT,                       -- the participant/site id or organisation name
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (source, source_key)
);

CREATE TABLE identifier_variant (
    id            TEXT PRIMARY KEY,
    identifier_id TEXT NOT NULL REFERENCES identifier(id),
    text          TEXT NOT NULL,
    norm          TEXT NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    UNIQUE (identifier_id, norm)
);
CREATE INDEX identifier_variant_norm ON identifier_variant(norm);

-- Words a reviewer decided are not identifying (rejected suspects).
CREATE TABLE allow_word (
    norm     TEXT PRIMARY KEY,
    text     TEXT NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE redaction_log (
    id            TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL,
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    start_char    INTEGER NOT NULL,
    end_char      INTEGER NOT NULL,
    original      TEXT NOT NULL,
    replacement   TEXT NOT NULL,
    identifier_id TEXT REFERENCES identifier(id),
    method        TEXT NOT NULL,           -- register (seeded) or reviewer
    reviewer      TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX redaction_log_run ON redaction_log(run_id, transcript_id);
