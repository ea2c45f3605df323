use crate::store::Store;

use super::error::{FieldChange, ServiceError};
use super::helpers::write_changes;
use super::version::Version;
#[test]
fn a_version_reports_each_changed_field_and_rebases_onto_the_current_values() {
    let v = Version::new([("name", "Ada"), ("email", ""), ("notes", "x ")]);
    let now = |f: &str| match f {
        "name" => "Ada".to_string(),
        "email" => "ada@example.org".to_string(),
        "notes" => "x".to_string(),
        _ => String::new(),
    };
    let changes = v.changes(now);
    assert_eq!(
        changes,
        [FieldChange {
            field: "email".into(),
            opened: String::new(),
            current: "ada@example.org".into(),
        }]
    );
    let err = v.check("participant", "PABCD", now).unwrap_err();
    assert!(matches!(&err, ServiceError::Conflict { changes, .. } if changes.len() == 1));
    assert!(err
        .to_string()
        .contains("participant PABCD was changed by someone else"));
    assert_eq!(err.exit_code(), 1);
    let r = v.rebased(&changes);
    assert_eq!(r.get("email"), Some("ada@example.org"));
    assert_eq!(r.get("name"), Some("Ada"));
    assert!(r.check("participant", "PABCD", now).is_ok());
}

#[derive(Clone, serde::Serialize)]
struct Row {
    id: String,
    title: Option<String>,
    notes: Option<String>,
    consent_gap: bool,
    updated_at: String,
}

#[test]
fn write_changes_updates_only_the_changed_columns() {
    let s = Store::in_memory().unwrap();
    let c = s.conn();
    // Someone else has since written `theirs` in the notes.
    c.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO session (id, kind, status, date, phase_id, site_id, title, notes,
            consent_gap, created_at, updated_at)
         VALUES ('s1', 'document', 'done', '2022-01-01', 'p', 's', 'T', 'theirs', 0,
            't0', 't0');",
    )
    .unwrap();
    let before = Row {
        id: "s1".into(),
        title: Some("T".into()),
        notes: Some("stale".into()),
        consent_gap: false,
        updated_at: "t0".into(),
    };
    let after = Row {
        title: Some("Mine".into()),
        consent_gap: true,
        ..before.clone()
    };
    let (was, now) = write_changes(c, "session", "s1", &before, &after, &[])
        .unwrap()
        .unwrap();
    assert_eq!(was, serde_json::json!({"title": "T", "consent_gap": false}));
    assert_eq!(
        now,
        serde_json::json!({"title": "Mine", "consent_gap": true})
    );
    let (title, notes, gap, updated): (String, String, bool, String) = c
        .query_row(
            "SELECT title, notes, consent_gap, updated_at FROM session WHERE id = 's1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    // The notes were not changed by this edit: the stored value is not written over.
    assert_eq!(
        (title.as_str(), notes.as_str(), gap),
        ("Mine", "theirs", true)
    );
    assert_ne!(updated, "t0");
    assert!(write_changes(c, "session", "s1", &after, &after, &[])
        .unwrap()
        .is_none());
}
