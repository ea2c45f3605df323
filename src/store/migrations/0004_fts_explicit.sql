-- fieldwork schema, version 4: the transcript search index is maintained by the store
-- itself instead of triggers. A trigger's nested statement makes FTS5 flush its in-memory
-- index at every row (a savepoint), which made bulk imports hundreds of times slower.
DROP TRIGGER turn_fts_insert;
DROP TRIGGER turn_fts_delete;
DROP TRIGGER turn_fts_update;
