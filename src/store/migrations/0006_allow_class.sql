-- Classes of suspects a reviewer allowed as a whole (`redact allow --class …`):
-- `common-words` (the shipped list of common English words that are not given names) and
-- `places` (the study's place names) and `dates`. Individual words stay in allow_word.
CREATE TABLE allow_class (
    class    TEXT PRIMARY KEY CHECK (class IN ('common-words', 'places', 'dates')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
) WITHOUT ROWID;

-- Registered name parts that are also common words ("Hope", "Will") are replaced only when
-- capitalised inside a sentence; a reviewer who accepts one as a name makes it replaced
-- wherever it stands (normalised text).
CREATE TABLE name_word (
    norm     TEXT PRIMARY KEY,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
) WITHOUT ROWID;
