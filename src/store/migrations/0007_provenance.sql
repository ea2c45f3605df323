-- fieldwork schema, version 7: who made what, on which laptop. A passage tag carries its
-- coder (for inter-coder agreement; two analysts coding one transcript keep their own
-- tags), and sessions, consent and withdrawal records, status events and tags carry the
-- device they were made on (filled by the sync layer; NULL for rows made before it).
-- Existing tags belong to the person who made them.
ALTER TABLE tag ADD COLUMN coder TEXT NOT NULL DEFAULT '';
UPDATE tag SET coder = created_by;
CREATE INDEX tag_coder ON tag(coder, transcript_id, theme_id);

ALTER TABLE tag ADD COLUMN device_id TEXT;
ALTER TABLE session ADD COLUMN device_id TEXT;
ALTER TABLE consent ADD COLUMN device_id TEXT;
ALTER TABLE withdrawal ADD COLUMN device_id TEXT;
ALTER TABLE status_event ADD COLUMN device_id TEXT;
