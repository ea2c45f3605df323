//! Undoing the register's writes: an identifier added (by hand or a suspect accepted as
//! new), a variant added (by hand or a suspect accepted as one), a text allowed, a class
//! allowed. Each undo is one transaction that checks the register is still as the write
//! left it; the register is a safeguard, so an undo takes back all of a write or nothing
//! (never an identifier without its variants).

use crate::domain::redact;
use crate::service::{Fieldwork, Result, ServiceError};
use crate::store::audit;
use crate::store::redaction::{self as store};

/// What one register write added (returned by the `…_undoable` forms, taken back by
/// [`Fieldwork::undo_register`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterChange {
    /// A new identifier with the variants it was added with, and the name words (common
    /// words accepted as names) it recorded that were new.
    Identifier {
        id: String,
        kind: String,
        label: String,
        variant_ids: Vec<String>,
        name_words: Vec<String>,
    },
    /// A variant added to an identifier (`variant_id` `None`: it had it already, only the
    /// name word was new).
    Variant {
        identifier: String,
        label: String,
        variant_id: Option<String>,
        text: String,
        norm: String,
        name_word: Option<String>,
    },
    /// A text allowed everywhere (it identifies no one).
    Allowed { norm: String, text: String },
    /// A whole class of suspects allowed.
    Class { class: String },
    /// The write found everything already there: nothing to take back.
    Nothing,
}

fn refused(what: &str, why: impl std::fmt::Display) -> ServiceError {
    ServiceError::Refused(format!(
        "{what}: {why}; it is not undone (nothing was changed)"
    ))
}

impl Fieldwork {
    /// Take back one register write, in one transaction, after checking the register is
    /// still as the write left it. Refused, with nothing written: an identifier that has
    /// other variants since, was used in a redaction run, or changed (kind, label, a
    /// variant removed); a variant no longer there, used in a redaction run, or the last
    /// one of its identifier; an allowance or a class no longer there.
    pub fn undo_register(&mut self, change: &RegisterChange) -> Result<()> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        match change {
            RegisterChange::Nothing => return Ok(()),
            RegisterChange::Identifier {
                id,
                kind,
                label,
                variant_ids,
                name_words,
            } => {
                let what = format!("identifier {label}");
                match store::identifier(&tx, id)? {
                    Some((k, l)) if k == *kind && l == *label => {}
                    Some(_) => return Err(refused(&what, "it was changed since")),
                    None => return Err(refused(&what, "it is no longer in the register")),
                }
                let now = store::variant_rows(&tx, id)?;
                let extra = now.iter().filter(|(v, _)| !variant_ids.contains(v)).count();
                if extra > 0 {
                    return Err(refused(
                        &what,
                        format!("it has {extra} other variant(s) since"),
                    ));
                }
                if now.len() != variant_ids.len() {
                    return Err(refused(&what, "a variant of it was removed since"));
                }
                let used = store::logged_originals(&tx, id)?.len();
                if used > 0 {
                    return Err(refused(
                        &what,
                        format!("a redaction run used it ({used} replacement(s) in the anonymisation log)"),
                    ));
                }
                for v in variant_ids {
                    store::delete_variant(&tx, v)?;
                }
                store::delete_identifier(&tx, id)?;
                // A name word stays while another identifier has it as a variant (that
                // identifier may have been accepted as a name since).
                for w in name_words {
                    if !store::variant_norm_elsewhere(&tx, w, id)? {
                        store::delete_name_word(&tx, w)?;
                    }
                }
                audit::record(
                    &tx,
                    &user,
                    "identifier",
                    id,
                    "create undone",
                    Some(&serde_json::json!({"kind": kind, "label": label, "variants": now.len()})),
                    None,
                )?;
            }
            RegisterChange::Variant {
                identifier,
                label,
                variant_id,
                text: _,
                norm,
                name_word,
            } => {
                let what = format!("the variant of {label}");
                if store::identifier(&tx, identifier)?.is_none() {
                    return Err(refused(
                        &what,
                        format!("{label} is no longer in the register"),
                    ));
                }
                if let Some(vid) = variant_id {
                    let now = store::variant_rows(&tx, identifier)?;
                    if !now.iter().any(|(v, n)| v == vid && n == norm) {
                        return Err(refused(&what, "it is no longer in the register"));
                    }
                    if now.len() < 2 {
                        return Err(refused(&what, format!("it is the last variant of {label}")));
                    }
                    let used = store::logged_originals(&tx, identifier)?
                        .iter()
                        .filter(|o| redact::normalise(o) == *norm)
                        .count();
                    if used > 0 {
                        return Err(refused(
                            &what,
                            format!("a redaction run replaced it ({used} time(s) in the anonymisation log)"),
                        ));
                    }
                    store::delete_variant(&tx, vid)?;
                }
                if let Some(w) = name_word {
                    if !store::variant_norm_elsewhere(&tx, w, identifier)? {
                        store::delete_name_word(&tx, w)?;
                    }
                }
                audit::record(
                    &tx,
                    &user,
                    "identifier",
                    identifier,
                    "variant undone",
                    Some(&serde_json::json!({"norm": norm})),
                    None,
                )?;
            }
            RegisterChange::Allowed { norm, text } => {
                if store::allowed_text(&tx, norm)?.as_deref() != Some(text.as_str()) {
                    return Err(refused(
                        "the allowance",
                        "it is no longer in the allow-list",
                    ));
                }
                store::delete_allowed(&tx, norm)?;
                audit::record(
                    &tx,
                    &user,
                    "allow-word",
                    norm,
                    "allow undone",
                    Some(&serde_json::json!({"text": text})),
                    None,
                )?;
            }
            RegisterChange::Class { class } => {
                if store::delete_class(&tx, class)? == 0 {
                    return Err(refused(
                        &format!("the class {class}"),
                        "it is no longer allowed",
                    ));
                }
                audit::record(
                    &tx,
                    &user,
                    "allow-class",
                    class,
                    "allow undone",
                    Some(&serde_json::json!({"class": class})),
                    None,
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
