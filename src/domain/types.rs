//! Enumerated values and record types.

use serde::Serialize;
use time::Date;

/// Defines a closed set of text values, with parsing that lists the valid ones.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
            /// The valid spellings, for error messages.
            pub fn choices() -> String {
                [$($s),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let norm = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
                match norm.as_str() {
                    $($s => Ok($name::$var),)+
                    _ => Err(format!("`{}` is not a valid {} (valid: {})", s, $what, $name::choices())),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// The recruitment pipeline. Every change is kept as a dated event.
    Status, "status" {
        Identified => "identified",
        Invited => "invited",
        Reminded => "reminded",
        Consented => "consented",
        Scheduled => "scheduled",
        Interviewed => "interviewed",
        Declined => "declined",
        Ineligible => "ineligible",
        NoResponse => "no-response",
        Withdrawn => "withdrawn",
    }
);

impl Status {
    /// Position along the main pipeline; closed statuses have none.
    pub fn pipeline_rank(self) -> Option<u8> {
        match self {
            Status::Identified => Some(0),
            Status::Invited => Some(1),
            Status::Reminded => Some(2),
            Status::Consented => Some(3),
            Status::Scheduled => Some(4),
            Status::Interviewed => Some(5),
            _ => None,
        }
    }

    /// Declined, ineligible, no response and withdrawn end recruitment.
    pub fn is_closed(self) -> bool {
        self.pipeline_rank().is_none()
    }
}

text_enum!(
    /// An answer to one consent item. Unset (never asked on the form) is `None`.
    Answer, "answer" {
        Yes => "yes",
        No => "no",
        NotAsked => "not-asked",
    }
);

text_enum!(
    /// The items of a consent form.
    ConsentItem, "consent item" {
        TakePart => "take-part",
        Audio => "audio",
        Quotes => "quotes",
        Archiving => "archiving",
        FollowUp => "follow-up",
    }
);

impl ConsentItem {
    pub fn label(self) -> &'static str {
        match self {
            ConsentItem::TakePart => "take part",
            ConsentItem::Audio => "audio recording",
            ConsentItem::Quotes => "anonymised quotes",
            ConsentItem::Archiving => "archiving/sharing",
            ConsentItem::FollowUp => "contact for follow-up",
        }
    }
    pub fn column(self) -> &'static str {
        match self {
            ConsentItem::TakePart => "take_part",
            ConsentItem::Audio => "audio",
            ConsentItem::Quotes => "quotes",
            ConsentItem::Archiving => "archiving",
            ConsentItem::FollowUp => "follow_up",
        }
    }
}

text_enum!(
    ConsentMode, "consent mode" {
        Written => "written",
        EConsent => "e-consent",
        Verbal => "verbal",
    }
);

text_enum!(
    /// What a withdrawal covers.
    WithdrawalScope, "withdrawal scope" {
        NoFurtherContact => "no-further-contact",
        NoFurtherData => "no-further-data",
        RemoveUnanalysed => "remove-unanalysed",
        RemoveAllFeasible => "remove-all-feasible",
    }
);

impl WithdrawalScope {
    /// Scopes that ask for data already collected to be removed.
    pub fn removes_data(self) -> bool {
        matches!(
            self,
            WithdrawalScope::RemoveUnanalysed | WithdrawalScope::RemoveAllFeasible
        )
    }
}

text_enum!(
    SessionKind, "session kind" {
        Interview => "interview",
        Observation => "observation",
        Document => "document",
    }
);

text_enum!(
    SessionStatus, "session status" {
        Scheduled => "scheduled",
        Done => "done",
        Cancelled => "cancelled",
    }
);

text_enum!(
    InterviewMode, "interview mode" {
        Online => "online",
        InPerson => "in-person",
        Telephone => "telephone",
    }
);

text_enum!(
    RecordingStatus, "recording status" {
        Recorded => "recorded",
        NotRecorded => "not-recorded",
        Failed => "failed",
    }
);

text_enum!(
    TranscriptionStatus, "transcription status" {
        NotStarted => "not-started",
        InProgress => "in-progress",
        Done => "done",
        NotNeeded => "not-needed",
    }
);

text_enum!(
    /// The state of a linked transcript file, as last verified.
    TranscriptStatus, "transcript status" {
        Ok => "ok",
        Missing => "missing",
        Changed => "changed",
        Moved => "moved",
    }
);

text_enum!(
    ThemeStatus, "theme status" {
        Active => "active",
        Retired => "retired",
        Merged => "merged",
    }
);

/// Serde helpers for ISO dates.
pub mod iso_date {
    use serde::Serializer;
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::domain::ids::format_date(*d))
    }

    pub mod option {
        use serde::Serializer;
        use time::Date;
        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_str(&crate::domain::ids::format_date(*d)),
                None => s.serialize_none(),
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub id: String,
    pub code: String,
    pub name: String,
    pub region: Option<String>,
    pub population: Option<i64>,
    pub places: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleCategory {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub code: String,
    pub name: String,
    pub category_id: String,
    pub category_code: String,
    pub category_name: String,
    pub unique_at_site: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingType {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// A participant as listed: identity, role, site, pipeline status.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub id: String,
    pub code: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation: Option<String>,
    pub job_title: Option<String>,
    pub site: String,
    pub site_name: String,
    pub role: String,
    pub role_name: String,
    pub role_category: String,
    pub role_category_name: String,
    pub status: Status,
    pub notes: Option<String>,
    /// Phase numbers with a completed interview.
    pub phases_interviewed: Vec<u32>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusEvent {
    pub id: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub note: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// Fields of a participant a user enters; used for add and edit.
#[derive(Debug, Clone, Default)]
pub struct ParticipantInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation: Option<String>,
    pub job_title: Option<String>,
    pub role: Option<String>,
    pub site: Option<String>,
    pub notes: Option<String>,
    pub status: Option<Status>,
    /// Add or move a second holder of a role unique at a site (recorded in the audit log).
    pub allow_duplicate_unique_role: bool,
}

/// Filters for listing participants; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct ParticipantFilter {
    pub site: Option<String>,
    pub role_category: Option<String>,
    pub status: Option<Status>,
    /// Phase number with a completed interview.
    pub phase: Option<u32>,
    /// Case-insensitive substring of name, code, organisation or job title.
    pub search: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: String,
    pub kind: SessionKind,
    pub status: SessionStatus,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub phase: u32,
    pub site: String,
    pub title: Option<String>,
    pub mode: Option<String>,
    pub duration_min: Option<i64>,
    pub interviewer: Option<String>,
    pub recording_status: Option<String>,
    pub transcription_status: Option<String>,
    pub meeting_type: Option<String>,
    pub meeting_type_name: Option<String>,
    pub attendees: Option<i64>,
    pub doc_type: Option<String>,
    pub consent_gap: bool,
    pub notes: Option<String>,
    /// Export codes of the participants (interviews).
    pub participants: Vec<SessionParticipant>,
    pub transcript: Option<Transcript>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionParticipant {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub kind: Option<SessionKind>,
    pub phase: Option<u32>,
    pub site: Option<String>,
    pub status: Option<SessionStatus>,
    pub participant: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
    pub id: String,
    pub session_id: String,
    pub path: String,
    pub sha256: String,
    pub size: i64,
    pub format: String,
    pub status: TranscriptStatus,
    pub linked_at: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub id: String,
    pub framework: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// `Framework/Parent/Name`.
    pub path: String,
    pub depth: usize,
    pub description: Option<String>,
    pub colour: Option<String>,
    pub status: ThemeStatus,
    pub merged_into: Option<String>,
    pub tag_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub id: String,
    pub theme_id: String,
    pub theme: String,
    pub session_id: String,
    pub session_date: String,
    pub transcript_id: Option<String>,
    pub span_start: Option<i64>,
    pub span_end: Option<i64>,
    pub quote: Option<String>,
    pub memo: Option<String>,
    pub created_at: String,
    pub created_by: String,
    /// Whose coding this is (inter-coder agreement).
    pub coder: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    pub by: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The laptop the change was made on (team sync; `None` before schema 8).
    pub device_id: Option<String>,
}
