//! Free text from people: one rule for every field, on both faces.
//!
//! A text is normalised to Unicode NFC (so the same name typed on two keyboards is stored
//! alike), refused if it holds control characters (NUL, escape, bidirectional overrides…;
//! line breaks and tabs only where a field is multi-line), measured in characters against
//! its limit, and counts as empty when nothing but white space and invisible characters
//! (zero-width spaces and joiners, the byte-order mark) remains.

use serde::{Deserialize, Serialize};
use time::Date;
use unicode_normalization::UnicodeNormalization;

/// Whether a field may hold line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// A limit on one text field.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_chars: usize,
    pub required: bool,
    pub lines: Lines,
}

impl Limit {
    pub const fn line(max_chars: usize) -> Limit {
        Limit {
            max_chars,
            required: true,
            lines: Lines::One,
        }
    }
    pub const fn paragraph(max_chars: usize) -> Limit {
        Limit {
            max_chars,
            required: true,
            lines: Lines::Many,
        }
    }
    pub const fn optional(self) -> Limit {
        Limit {
            required: false,
            ..self
        }
    }
}

/// Characters that show nothing: a text of only these (and white space) is empty.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{034F}'
        )
}

/// Characters refused anywhere: C0 and C1 controls (but tab and line breaks where allowed),
/// and the bidirectional embeddings, overrides and isolates that can disguise a text.
fn forbidden(c: char, lines: Lines) -> bool {
    let allowed_space = matches!(c, '\t' | '\n' | '\r') && lines == Lines::Many;
    (c.is_control() && !allowed_space)
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}') && lines == Lines::One
}

/// Why a text was refused (English, for the field error's reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    Required,
    TooLong(usize),
    Control,
}

impl TextError {
    /// The same in Chinese.
    pub fn zh(&self) -> String {
        match self {
            TextError::Required => "必填".into(),
            TextError::TooLong(n) => format!("不能超过 {n} 个字符"),
            TextError::Control => "含有控制字符或不可见的格式字符".into(),
        }
    }
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextError::Required => f.write_str("required"),
            TextError::TooLong(n) => write!(f, "longer than {n} characters"),
            TextError::Control => {
                f.write_str("contains control or invisible formatting characters")
            }
        }
    }
}

/// Normalises `s` under `limit`: NFC, trimmed; `Ok(None)` when it is empty and optional.
pub fn clean(s: &str, limit: Limit) -> Result<Option<String>, TextError> {
    // Bound the work before normalising: NFC never yields fewer than a third of the chars.
    if s.len() > limit.max_chars.saturating_mul(12).max(64) {
        return Err(TextError::TooLong(limit.max_chars));
    }
    if s.chars().any(|c| forbidden(c, limit.lines)) {
        return Err(TextError::Control);
    }
    let n: String = s.nfc().collect();
    let n = n.trim_matches(invisible).to_string();
    if n.chars().all(invisible) {
        return if limit.required {
            Err(TextError::Required)
        } else {
            Ok(None)
        };
    }
    if n.chars().count() > limit.max_chars {
        return Err(TextError::TooLong(limit.max_chars));
    }
    Ok(Some(n))
}

/// A refused text: which field, and why.
pub type Refusal = (&'static str, TextError);

/// Replaces `s` with its cleaned form (see [`clean`]); an empty optional text becomes "".
pub fn normalise(field: &'static str, s: &mut String, limit: Limit) -> Result<(), Refusal> {
    *s = clean(s, limit).map_err(|e| (field, e))?.unwrap_or_default();
    Ok(())
}

/// Checks `s` as [`normalise`] would, changing nothing (same signature, so a record can
/// pass either to the function that visits its texts).
#[allow(clippy::ptr_arg)]
pub fn check(field: &'static str, s: &mut String, limit: Limit) -> Result<(), Refusal> {
    clean(s, limit).map(|_| ()).map_err(|e| (field, e))
}

/// How a record applies [`normalise`] or [`check`] to each of its texts.
pub type EachText = fn(&'static str, &mut String, Limit) -> Result<(), Refusal>;

/// [`clean`] for a named field, its refusal as a field error.
pub fn field(name: &str, s: &str, limit: Limit) -> Result<Option<String>, FieldError> {
    clean(s, limit).map_err(|e| FieldError::new(name, e.to_string(), e.zh()))
}

/// [`field`] for a required text: the cleaned text.
pub fn required(name: &str, s: &str, limit: Limit) -> Result<String, FieldError> {
    field(name, s, limit)?.ok_or_else(|| {
        FieldError::new(
            name,
            TextError::Required.to_string(),
            TextError::Required.zh(),
        )
    })
}

/// The dates a form may hold: from 1900 to 2100 (a year 0000 or 9999 is a typing error).
pub fn plausible_date(d: Date) -> bool {
    (1900..=2100).contains(&d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_normalised_and_limited() {
        let l = Limit::line(5);
        // NFC: e + combining acute becomes é, one character.
        assert_eq!(clean("Cafe\u{301}", l), Ok(Some("Café".into())));
        assert_eq!(clean("  张三 ", l), Ok(Some("张三".into())));
        assert_eq!(clean("abcdef", l), Err(TextError::TooLong(5)));
        assert_eq!(clean("a\0b", l), Err(TextError::Control));
        assert_eq!(clean("a\u{202E}b", l), Err(TextError::Control));
        assert_eq!(clean("a\nb", l), Err(TextError::Control));
        assert_eq!(clean("a\nb", Limit::paragraph(5)), Ok(Some("a\nb".into())));
        assert_eq!(
            clean("\u{200B}\u{200D} \u{FEFF}", l),
            Err(TextError::Required)
        );
        assert_eq!(clean("\u{200B}", l.optional()), Ok(None));
        assert_eq!(clean(&"x".repeat(1_000_000), l), Err(TextError::TooLong(5)));
    }

    #[test]
    fn dates_are_plausible() {
        assert!(!plausible_date(time::macros::date!(0000 - 01 - 01)));
        assert!(plausible_date(time::macros::date!(1949 - 10 - 01)));
        assert!(!plausible_date(time::macros::date!(9999 - 12 - 31)));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub reason: String,
    /// The reason in Chinese, where the rule gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_zh: Option<String>,
}

impl FieldError {
    /// A field's problem in English and Chinese.
    pub fn new(field: impl Into<String>, reason: impl Into<String>, zh: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
            reason_zh: Some(zh.into()),
        }
    }

    /// The reason in Chinese (`zh`) where there is one, else in English.
    pub fn reason_for(&self, zh: bool) -> &str {
        match (&self.reason_zh, zh) {
            (Some(r), true) => r,
            _ => &self.reason,
        }
    }
}
