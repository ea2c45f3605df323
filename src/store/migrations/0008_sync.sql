-- fieldwork schema, version 8: team sync on SQLite's session extension (docs/sync.md).
-- None of the sync_* tables are recorded by the capture session (nor meta, nor the search
-- indexes and their shadow tables): they are this laptop's own bookkeeping.

-- This laptop: its device id (a UUID made here, once) and the person who uses it.
CREATE TABLE sync_device (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    device_id    TEXT NOT NULL,
    person       TEXT NOT NULL DEFAULT '',
    exported_seq INTEGER NOT NULL DEFAULT 0,   -- the last outbox entry written to a bundle
    created_at   TEXT NOT NULL
);
INSERT INTO sync_device (id, device_id, person, created_at) VALUES (1,
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-'
        || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)
        || '-' || lower(hex(randomblob(6))),
    '', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- Other laptops: who they are and the last of their changes applied here.
CREATE TABLE sync_peer (
    device_id   TEXT PRIMARY KEY,
    person      TEXT NOT NULL DEFAULT '',
    last_seq    INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_import TEXT
) WITHOUT ROWID;

-- Every write transaction's changeset, numbered 1, 2, 3… on this laptop, with what it had
-- applied of every other laptop when it was made (JSON {device_id: seq}).
CREATE TABLE sync_outbox (
    seq        INTEGER PRIMARY KEY,
    changeset  BLOB NOT NULL,
    depends    TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

-- Every import of one laptop's changes: the changeset actually applied here (for revert).
CREATE TABLE sync_batch (
    id            TEXT PRIMARY KEY,
    source_device TEXT NOT NULL,
    first_seq     INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL,
    file          TEXT,
    applied       BLOB NOT NULL,
    applied_at    TEXT NOT NULL,
    applied_by    TEXT NOT NULL,
    reverted_at   TEXT,
    reverted_by   TEXT
);
CREATE INDEX sync_batch_source ON sync_batch(source_device, last_seq);

-- Incoming changes that were not applied because they clash with this laptop's data: both
-- sides are kept until a person chooses (`sync resolve`).
CREATE TABLE sync_conflict (
    id            TEXT PRIMARY KEY,
    batch_id      TEXT,                       -- the sync_batch it arrived in
    source_device TEXT NOT NULL,
    source_seq    INTEGER NOT NULL,
    tbl           TEXT NOT NULL,
    pk            TEXT NOT NULL,              -- JSON array of the primary key's values
    op            TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    kind          TEXT NOT NULL CHECK (kind IN ('DATA', 'NOTFOUND', 'CONFLICT', 'CONSTRAINT', 'FOREIGN_KEY')),
    columns       TEXT NOT NULL,              -- JSON array of the columns in conflict
    local         TEXT,                       -- JSON object: the local row (NULL: none)
    incoming      TEXT NOT NULL,              -- JSON {"old": {…}, "new": {…}}
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution    TEXT,
    resolved_by   TEXT,
    resolved_at   TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX sync_conflict_row ON sync_conflict(tbl, pk, status);
CREATE INDEX sync_conflict_status ON sync_conflict(status, created_at);

-- A person's choice on a conflict, as data every laptop receives: a laptop holding an open
-- conflict on the same field closes it and takes the chosen value.
CREATE TABLE conflict_decision (
    id         TEXT PRIMARY KEY,
    tbl        TEXT NOT NULL,
    pk         TEXT NOT NULL,
    columns    TEXT NOT NULL,                 -- JSON object: column → chosen value
    keep       TEXT NOT NULL CHECK (keep IN ('mine', 'theirs', 'both')),
    decided_by TEXT NOT NULL,
    device_id  TEXT,
    decided_at TEXT NOT NULL
);

-- The audit log shows the laptop each entry was made on.
ALTER TABLE audit ADD COLUMN device_id TEXT;
