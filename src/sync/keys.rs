//! Age keys as written in the configuration: parsed here, below both the configuration
//! (which checks them at load) and [`super::bundle`] (which encrypts to them).

/// Parse an age X25519 public key (`age1…`).
pub fn parse_recipient(key: &str) -> std::result::Result<age::x25519::Recipient, String> {
    let k = key.trim();
    if !k.starts_with("age1") {
        return Err("an age public key starts with `age1`".into());
    }
    k.parse::<age::x25519::Recipient>()
        .map_err(|e| format!("it does not parse ({e})"))
}
