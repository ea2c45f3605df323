//! Field checks on participant input: email, phone, text lengths.

use crate::service::{invalid, Result};

pub(super) fn check_email(email: &Option<String>) -> Result<()> {
    if let Some(e) = email {
        let ok = e.contains('@')
            && !e.starts_with('@')
            && !e.ends_with('@')
            && !e.chars().any(char::is_whitespace);
        if !ok {
            return Err(invalid("email", format!("`{e}` is not an email address")));
        }
    }
    Ok(())
}

/// The phone rule, the same for the interface, the command line and CSV imports: only
/// digits, spaces and `+ - ( ) .`, with 7 to 20 digits.
pub fn check_phone(phone: &Option<String>) -> Result<()> {
    let Some(p) = phone else { return Ok(()) };
    if let Some(bad) = p
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.')))
    {
        return Err(invalid(
            "phone",
            format!(
                "`{p}` is not a phone number: `{bad}` is not allowed (digits, spaces, + - ( ) . only)"
            ),
        ));
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    if !(7..=20).contains(&digits) {
        return Err(invalid(
            "phone",
            format!(
                "`{p}` is not a phone number: it has {digits} digit(s), a phone number has 7 to 20"
            ),
        ));
    }
    Ok(())
}

/// Check a name for characters that have no place in it.
pub(super) fn check_text(field: &str, v: &Option<String>, max: usize) -> Result<()> {
    if let Some(s) = v {
        if s.chars().count() > max {
            return Err(invalid(field, format!("longer than {max} characters")));
        }
        if field != "notes" && s.chars().any(|c| c.is_control()) {
            return Err(invalid(field, "contains control characters"));
        }
    }
    Ok(())
}
