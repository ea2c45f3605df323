//! Identifiers: random UUIDs for entities, random export codes for participants, times.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// A new random (v4) UUID for an entity.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new time-ordered (v7) UUID, for append-only logs that are read in order.
pub fn new_log_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Crockford base32: no I, L, O or U, so codes read aloud and typed back reliably.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A participant's export code: `P` and four base32 characters from the operating
/// system's cryptographic RNG. It carries nothing about the person, their site or role,
/// or the order of recruitment.
pub fn new_export_code() -> String {
    let mut bytes = [0u8; 4];
    // getrandom only fails when the OS has no entropy source at all; fall back to a
    // UUID v4 (itself from the OS RNG via the same crate family) in that case.
    if getrandom::fill(&mut bytes).is_err() {
        let u = uuid::Uuid::new_v4();
        bytes.copy_from_slice(&u.as_bytes()[..4]);
    }
    let n = u32::from_le_bytes(bytes);
    let mut s = String::from("P");
    for i in 0..4 {
        s.push(CROCKFORD[((n >> (i * 5)) & 31) as usize] as char);
    }
    s
}

/// Is this string shaped like an export code?
pub fn is_export_code(s: &str) -> bool {
    s.len() == 5
        && s.starts_with(['P', 'p'])
        && s[1..]
            .bytes()
            .all(|b| CROCKFORD.contains(&b.to_ascii_uppercase()))
}

/// Now, UTC, as RFC 3339 text.
pub fn now_utc() -> String {
    format_time(OffsetDateTime::now_utc())
}

pub fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Today's date, UTC.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Parse an ISO date (`YYYY-MM-DD`).
pub fn parse_date(s: &str) -> Result<Date, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| {
        // The right shape but no such day (2023-02-30, 2023-13-01): say so.
        let t = s.trim();
        let shaped = t.len() == 10
            && t.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if shaped {
            let (y, m) = (t[..4].parse::<i32>(), t[5..7].parse::<u8>());
            if let (Ok(y), Ok(Ok(month))) = (y, m.map(time::Month::try_from)) {
                return format!(
                    "`{s}` is not a date: there is no such day ({month} {y} has {} days; use YYYY-MM-DD)",
                    month.length(y)
                );
            }
            return format!(
                "`{s}` is not a date: there is no month {} (use YYYY-MM-DD)",
                &t[5..7]
            );
        }
        format!("`{s}` is not a date (use YYYY-MM-DD)")
    })
}

pub fn format_date(d: Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_that_does_not_exist_says_so() {
        let e = parse_date("2023-02-30").unwrap_err();
        assert!(e.contains("no such day (February 2023 has 28 days"), "{e}");
        assert!(parse_date("2024-02-29").is_ok());
        let e = parse_date("2024-13-01").unwrap_err();
        assert!(e.contains("no month 13"), "{e}");
        let e = parse_date("31/01/2022").unwrap_err();
        assert!(
            e.contains("use YYYY-MM-DD") && !e.contains("no such day"),
            "{e}"
        );
    }

    #[test]
    fn export_codes_have_the_right_shape_and_vary() {
        let codes: std::collections::HashSet<String> =
            (0..200).map(|_| new_export_code()).collect();
        assert!(codes.len() > 190, "codes repeat too often");
        for c in &codes {
            assert!(is_export_code(c), "{c}");
        }
    }

    #[test]
    fn dates_round_trip_and_reject_garbage() {
        let d = parse_date("2022-02-28").unwrap();
        assert_eq!(format_date(d), "2022-02-28");
        assert!(parse_date("2022-02-30").is_err());
        assert!(parse_date("28/02/2022").is_err());
    }
}
