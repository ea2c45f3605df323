-- Classes of suspects a reviewer allowed as a whole (`redact allow --class …`):
-- `common-words` (the shipped list of common English words that are not given names) and
-- `places` (the study's place names). Individual words stay in allow_word.
CREATE TABLE allow_class (
    class    TEXT PRIMARY KEY CHECK (class IN ('common-words', 'places')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
) WITHOUT ROWID;
