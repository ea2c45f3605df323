-- fieldwork schema, version 1.
-- Every entity id is a random UUID (text), so that copies kept by several offline
-- fieldworkers can be merged. Times are UTC RFC 3339 text; dates are ISO 8601 (YYYY-MM-DD).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE study (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    ethics_ref           TEXT,
    consent_form_version TEXT NOT NULL,
    created_at           TEXT NOT NULL
);

CREATE TABLE site (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    region     TEXT,
    population INTEGER,
    places     INTEGER,
    notes      TEXT,
    sort       INTEGER NOT NULL
);

CREATE TABLE phase (
    id         TEXT PRIMARY KEY,
    number     INTEGER NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    CHECK (start_date <= end_date)
);

CREATE TABLE phase_target (
    phase_id TEXT NOT NULL REFERENCES phase(id),
    site_id  TEXT NOT NULL REFERENCES site(id),
    target   INTEGER NOT NULL CHECK (target >= 0),
    PRIMARY KEY (phase_id, site_id)
) WITHOUT ROWID;

CREATE TABLE role_category (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL
);

CREATE TABLE role (
    id             TEXT PRIMARY KEY,
    category_id    TEXT NOT NULL REFERENCES role_category(id),
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    unique_at_site INTEGER NOT NULL DEFAULT 0 CHECK (unique_at_site IN (0, 1)),
    sort           INTEGER NOT NULL
);

CREATE TABLE meeting_type (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL
);

CREATE TABLE participant (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,          -- export code, random, never changed
    name         TEXT NOT NULL,
    email        TEXT,
    phone        TEXT,
    organisation TEXT,
    job_title    TEXT,
    role_id      TEXT NOT NULL REFERENCES role(id),
    site_id      TEXT NOT NULL REFERENCES site(id),
    notes        TEXT,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX participant_site ON participant(site_id, name);
CREATE INDEX participant_status ON participant(status);
CREATE INDEX participant_name ON participant(name, id);

CREATE TABLE status_event (
    id             TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    date           TEXT NOT NULL,
    note           TEXT,
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL
);
CREATE INDEX status_event_participant ON status_event(participant_id, date);

-- Consent records are immutable: one row per consent event. Item answers are
-- 'yes', 'no', 'not-asked' or NULL (unset: never pre-ticked).
CREATE TABLE consent (
    id             TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    form_version   TEXT NOT NULL,
    form_hash      TEXT,
    date           TEXT NOT NULL,
    mode           TEXT NOT NULL,
    taken_by       TEXT NOT NULL,
    take_part      TEXT CHECK (take_part IN ('yes', 'no', 'not-asked')),
    audio          TEXT CHECK (audio IN ('yes', 'no', 'not-asked')),
    quotes         TEXT CHECK (quotes IN ('yes', 'no', 'not-asked')),
    archiving      TEXT CHECK (archiving IN ('yes', 'no', 'not-asked')),
    follow_up      TEXT CHECK (follow_up IN ('yes', 'no', 'not-asked')),
    file_ref       TEXT,
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL
);
CREATE INDEX consent_participant ON consent(participant_id, date);
CREATE TRIGGER consent_immutable_update BEFORE UPDATE ON consent
BEGIN SELECT RAISE(ABORT, 'consent records are immutable: record a new one'); END;
CREATE TRIGGER consent_immutable_delete BEFORE DELETE ON consent
BEGIN SELECT RAISE(ABORT, 'consent records are immutable'); END;

CREATE TABLE withdrawal (
    id             TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    date           TEXT NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('no-further-contact', 'no-further-data',
                                                  'remove-unanalysed', 'remove-all-feasible')),
    reason         TEXT,
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL
);
CREATE INDEX withdrawal_participant ON withdrawal(participant_id, date);
CREATE TRIGGER withdrawal_immutable_update BEFORE UPDATE ON withdrawal
BEGIN SELECT RAISE(ABORT, 'withdrawal records are immutable'); END;
CREATE TRIGGER withdrawal_immutable_delete BEFORE DELETE ON withdrawal
BEGIN SELECT RAISE(ABORT, 'withdrawal records are immutable'); END;

-- Interviews, observed meetings and reviewed documents.
CREATE TABLE session (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('interview', 'observation', 'document')),
    status               TEXT NOT NULL CHECK (status IN ('scheduled', 'done', 'cancelled')),
    date                 TEXT NOT NULL,
    phase_id             TEXT NOT NULL REFERENCES phase(id),
    site_id              TEXT NOT NULL REFERENCES site(id),
    title                TEXT,              -- documents, meetings
    mode                 TEXT,              -- interviews: online, in-person, telephone
    duration_min         INTEGER CHECK (duration_min IS NULL OR duration_min >= 0),
    interviewer          TEXT,              -- or observer
    recording_status     TEXT,
    transcription_status TEXT,
    meeting_type_id      TEXT REFERENCES meeting_type(id),
    attendees            INTEGER CHECK (attendees IS NULL OR attendees >= 0),
    doc_type             TEXT,
    consent_gap          INTEGER NOT NULL DEFAULT 0 CHECK (consent_gap IN (0, 1)),
    notes                TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX session_kind_date ON session(kind, date, id);
CREATE INDEX session_phase_site ON session(phase_id, site_id, kind, status);

CREATE TABLE session_participant (
    session_id     TEXT NOT NULL REFERENCES session(id),
    participant_id TEXT NOT NULL REFERENCES participant(id),
    PRIMARY KEY (session_id, participant_id)
) WITHOUT ROWID;
CREATE INDEX session_participant_p ON session_participant(participant_id);

CREATE TABLE transcript (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES session(id),
    path        TEXT NOT NULL,          -- relative to the transcripts root
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    format      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ok', 'missing', 'changed', 'moved')),
    linked_at   TEXT NOT NULL,
    verified_at TEXT,
    linked_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX transcript_session ON transcript(session_id);
CREATE INDEX transcript_path ON transcript(path);

CREATE TABLE framework (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    sort        INTEGER NOT NULL
);

CREATE TABLE theme (
    id           TEXT PRIMARY KEY,
    framework_id TEXT NOT NULL REFERENCES framework(id),
    parent_id    TEXT REFERENCES theme(id),
    name         TEXT NOT NULL,
    description  TEXT,
    colour       TEXT,
    status       TEXT NOT NULL CHECK (status IN ('active', 'retired', 'merged')),
    merged_into  TEXT REFERENCES theme(id),
    sort         INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX theme_parent ON theme(framework_id, parent_id, sort);

CREATE TABLE theme_event (
    id       TEXT PRIMARY KEY,
    theme_id TEXT NOT NULL REFERENCES theme(id),
    action   TEXT NOT NULL,   -- created, renamed, merged-into, merged-from, retired, moved
    detail   TEXT,            -- JSON
    at       TEXT NOT NULL,
    by       TEXT NOT NULL
);
CREATE INDEX theme_event_theme ON theme_event(theme_id, at);

-- A tag applies a theme to a session; passage tags (a later schema use) add the
-- transcript, the character span and the quoted text.
CREATE TABLE tag (
    id               TEXT PRIMARY KEY,
    theme_id         TEXT NOT NULL REFERENCES theme(id),
    original_theme_id TEXT NOT NULL REFERENCES theme(id),
    session_id       TEXT NOT NULL REFERENCES session(id),
    transcript_id    TEXT REFERENCES transcript(id),
    span_start       INTEGER,
    span_end         INTEGER,
    quote            TEXT,
    memo             TEXT,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    CHECK ((span_start IS NULL) = (span_end IS NULL)),
    CHECK (span_start IS NULL OR span_start <= span_end)
);
CREATE INDEX tag_theme ON tag(theme_id);
CREATE INDEX tag_session ON tag(session_id);

CREATE TABLE audit (
    id        TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    by        TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    before    TEXT,     -- JSON
    after     TEXT      -- JSON
);
CREATE INDEX audit_entity ON audit(entity, entity_id, at);
CREATE INDEX audit_at ON audit(at);
