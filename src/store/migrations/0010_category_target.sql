-- Schema 10: targets per phase and role category (the study definition's
-- `[[study.role_categories]] targets = { PHASE = N }`): how many participants of the
-- category the study means to interview in that phase, across sites. Coverage shows each
-- category's count against it. A category without a target has no row.
CREATE TABLE category_target (
    phase_id         TEXT NOT NULL REFERENCES phase(id),
    role_category_id TEXT NOT NULL REFERENCES role_category(id),
    target           INTEGER NOT NULL CHECK (target >= 0),
    PRIMARY KEY (phase_id, role_category_id)
);
