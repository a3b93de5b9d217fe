//! Identifiers that can only hold valid values (parse, don't validate).
//!
//! - [`Uscc`]: unified social credit code, GB 32100-2015 (18 characters, check character).
//! - [`OrgCode`]: organisation code, GB 11714 (8 characters + check).
//! - [`ResidentId`]: resident identity number, GB 11643-1999 (address, birth date, check).
//! - [`DivisionCode`]: a six-digit GB/T 2260 administrative division code.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};

/// Why a code was refused. The messages are precise so that a clerk can fix the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("length: expected {expected} characters, got {got}")]
    Length { expected: usize, got: usize },
    #[error("character: '{ch}' at position {pos} is not allowed")]
    Character { ch: char, pos: usize },
    #[error("date: '{0}' is not a valid birth date")]
    Date(String),
    #[error("check character: expected '{expected}', got '{got}'")]
    Check { expected: char, got: char },
    #[error("kind: cannot tell the kind of code from its length {0}")]
    UnknownKind(usize),
    #[error("length: expected {min} to {max} characters, got {got}")]
    LengthRange { min: usize, max: usize, got: usize },
    #[error("character: a passport number has at least one digit")]
    NoDigit,
}

impl IdError {
    /// The same in Chinese.
    pub fn zh(&self) -> String {
        match self {
            IdError::Length { expected, got } => format!("长度应为 {expected} 位，实为 {got} 位"),
            IdError::Character { ch, pos } => format!("第 {pos} 位的字符“{ch}”不允许"),
            IdError::Date(d) => format!("出生日期“{d}”无效"),
            IdError::Check { expected, got } => {
                format!("校验码应为“{expected}”，实为“{got}”，请核对号码")
            }
            IdError::UnknownKind(n) => format!("无法从长度 {n} 判断号码类型"),
            IdError::LengthRange { min, max, got } => {
                format!("长度应为 {min} 至 {max} 位，实为 {got} 位")
            }
            IdError::NoDigit => "护照号码至少含一位数字".to_string(),
        }
    }

    /// Short machine-readable reason: `length`, `character`, `date`, `check`, `kind`.
    pub fn reason(&self) -> &'static str {
        match self {
            IdError::Length { .. } => "length",
            IdError::Character { .. } => "character",
            IdError::Date(_) => "date",
            IdError::Check { .. } => "check",
            IdError::UnknownKind(_) => "kind",
            IdError::LengthRange { .. } => "length",
            IdError::NoDigit => "character",
        }
    }
}

const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

fn check_len(s: &str, n: usize) -> Result<(), IdError> {
    let got = s.chars().count();
    if got != n {
        return Err(IdError::Length { expected: n, got });
    }
    Ok(())
}

/// Unified social credit code (统一社会信用代码), GB 32100-2015.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim().to_ascii_uppercase();
        check_len(&s, 18)?;
        let mut sum = 0u32;
        let mut got = '?';
        for (i, ch) in s.chars().enumerate() {
            let v = u8::try_from(ch)
                .ok()
                .and_then(uscc_value)
                .ok_or(IdError::Character { ch, pos: i + 1 })?;
            if i < 17 {
                sum += v * USCC_WEIGHTS[i];
            } else {
                got = ch;
            }
        }
        let check = (31 - sum % 31) % 31;
        let expected = USCC_ALPHABET[check as usize] as char;
        if expected != got {
            return Err(IdError::Check { expected, got });
        }
        Ok(Uscc(s))
    }

    /// Computes the check character for 17 leading characters (used by the demo generator).
    pub fn with_check(first17: &str) -> Result<Self, IdError> {
        check_len(first17, 17)?;
        let mut sum = 0u32;
        for (i, b) in first17.bytes().enumerate() {
            let v = uscc_value(b).ok_or(IdError::Character {
                ch: b as char,
                pos: i + 1,
            })?;
            sum += v * USCC_WEIGHTS[i];
        }
        let check = USCC_ALPHABET[((31 - sum % 31) % 31) as usize] as char;
        Uscc::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GB/T 2260 code of the registering office (characters 3-8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl TryFrom<String> for Uscc {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Uscc::parse(&s)
    }
}
impl From<Uscc> for String {
    fn from(v: Uscc) -> String {
        v.0
    }
}
impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Organisation code (组织机构代码), GB 11714: 8 characters and a check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgCode(String);

/// A passport number as the machine-readable zone of a passport prints it (ICAO Doc 9303):
/// 6 to 9 letters and digits with at least one digit. Spaces are dropped and letters
/// upper-cased; there is no check character to test (each state computes its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PassportNo(String);

impl PassportNo {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != ' ')
            .collect::<String>()
            .to_ascii_uppercase();
        let got = s.chars().count();
        if !(6..=9).contains(&got) {
            return Err(IdError::LengthRange {
                min: 6,
                max: 9,
                got,
            });
        }
        if let Some((pos, ch)) = s
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
        {
            return Err(IdError::Character { ch, pos: pos + 1 });
        }
        if !s.bytes().any(|b| b.is_ascii_digit()) {
            return Err(IdError::NoDigit);
        }
        Ok(PassportNo(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl OrgCode {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s: String = input.trim().to_ascii_uppercase().replace('-', "");
        check_len(&s, 9)?;
        let mut sum = 0u32;
        for (i, c) in s.chars().enumerate().take(8) {
            let v = c
                .to_digit(36)
                .filter(|_| c.is_ascii_alphanumeric())
                .ok_or(IdError::Character { ch: c, pos: i + 1 })?;
            sum += v * Self::WEIGHTS[i];
        }
        let expected = match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            n => char::from_digit(n, 10).unwrap_or('?'),
        };
        let got = s.chars().nth(8).unwrap_or('?');
        if !(got.is_ascii_digit() || got == 'X') {
            return Err(IdError::Character { ch: got, pos: 9 });
        }
        if expected != got {
            return Err(IdError::Check { expected, got });
        }
        Ok(OrgCode(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for OrgCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        OrgCode::parse(&s)
    }
}
impl From<OrgCode> for String {
    fn from(v: OrgCode) -> String {
        v.0
    }
}

/// Resident identity number (居民身份证号码), GB 11643-1999.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

impl ResidentId {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim().to_ascii_uppercase();
        check_len(&s, 18)?;
        let mut sum = 0u32;
        for (i, c) in s.chars().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
            if !ok {
                return Err(IdError::Character { ch: c, pos: i + 1 });
            }
            if i < 17 {
                sum += c.to_digit(10).unwrap_or(0) * Self::WEIGHTS[i];
            }
        }
        let date_str = &s[6..14];
        let y: i32 = date_str[0..4].parse().unwrap_or(0);
        let m: u8 = date_str[4..6].parse().unwrap_or(0);
        let d: u8 = date_str[6..8].parse().unwrap_or(0);
        let month = Month::try_from(m).map_err(|_| IdError::Date(date_str.to_string()))?;
        if !(1900..=2100).contains(&y) {
            return Err(IdError::Date(date_str.to_string()));
        }
        Date::from_calendar_date(y, month, d).map_err(|_| IdError::Date(date_str.to_string()))?;
        let expected = match (12 - sum % 11) % 11 {
            10 => 'X',
            n => char::from_digit(n, 10).unwrap_or('?'),
        };
        let got = s.chars().nth(17).unwrap_or('?');
        if expected != got {
            return Err(IdError::Check { expected, got });
        }
        Ok(ResidentId(s))
    }

    /// Builds a valid number from 17 leading digits (demo generator).
    pub fn with_check(first17: &str) -> Result<Self, IdError> {
        check_len(first17, 17)?;
        let mut sum = 0u32;
        for (i, c) in first17.chars().enumerate() {
            sum += c
                .to_digit(10)
                .ok_or(IdError::Character { ch: c, pos: i + 1 })?
                * Self::WEIGHTS[i];
        }
        let check = match (12 - sum % 11) % 11 {
            10 => 'X',
            n => char::from_digit(n, 10).unwrap_or('0'),
        };
        ResidentId::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked form for roles that do not need the full number: `110105********002X`.
    pub fn masked(&self) -> String {
        mask_resident_id(&self.0)
    }
}

/// Masks a resident identity number string, keeping the address prefix and last 4 characters.
pub fn mask_resident_id(s: &str) -> String {
    let n = s.chars().count();
    if n <= 10 {
        return "*".repeat(n);
    }
    let head: String = s.chars().take(6).collect();
    let tail: String = s.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 10))
}

/// Masks a phone number: `138****5678`.
/// A mainland mobile number: 11 digits beginning with 1.
pub fn is_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn mask_phone(s: &str) -> String {
    let n = s.chars().count();
    if n < 7 {
        return "*".repeat(n);
    }
    let head: String = s.chars().take(3).collect();
    let tail: String = s.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
}

/// A free text with the personal data found in it masked: mainland mobile numbers
/// (`138****5678`), resident ID numbers (`110105********002X`) and e-mail addresses
/// (`w***@example.com`), for readers who do not need them. Digits are taken as a number only
/// where they stand alone (not inside a longer run of digits or letters).
pub fn mask_personal_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric();
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !word(chars[i - 1]));
        if starts {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            // A resident number may end in X.
            if j - i == 17 && j < chars.len() && matches!(chars[j], 'X' | 'x') {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let alone = j == chars.len() || !word(chars[j]);
            if alone && is_mobile(&run) {
                out.push_str(&mask_phone(&run));
            } else if alone && run.len() == 18 {
                out.push_str(&mask_resident_id(&run));
            } else {
                out.push_str(&run);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    crate::notice::mask_addresses(&out)
}

/// Masks a personal name: keeps the first character (`张**`).
pub fn mask_name(s: &str) -> String {
    let mut it = s.chars();
    match it.next() {
        Some(c) => format!("{c}{}", "*".repeat(it.count().max(1))),
        None => String::new(),
    }
}

impl fmt::Debug for ResidentId {
    // Never print a full resident number into logs by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}
impl TryFrom<String> for ResidentId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        ResidentId::parse(&s)
    }
}
impl From<ResidentId> for String {
    fn from(v: ResidentId) -> String {
        v.0
    }
}

/// Six-digit GB/T 2260 administrative division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim();
        check_len(s, 6)?;
        if let Some((pos, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(IdError::Character { ch, pos: pos + 1 });
        }
        Ok(DivisionCode(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The province this division belongs to (`330400` → `330000`).
    pub fn province(&self) -> String {
        format!("{}0000", &self.0[..2])
    }
}
impl TryFrom<String> for DivisionCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        DivisionCode::parse(&s)
    }
}
impl From<DivisionCode> for String {
    fn from(v: DivisionCode) -> String {
        v.0
    }
}
impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kinds of code `corridor id check` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdKind {
    Uscc,
    ResidentId,
    OrgCode,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Uscc => "uscc",
            IdKind::ResidentId => "resident-id",
            IdKind::OrgCode => "org-code",
        }
    }

    /// Checks `input` as this kind.
    pub fn check(self, input: &str) -> Result<(), IdError> {
        match self {
            IdKind::Uscc => Uscc::parse(input).map(|_| ()),
            IdKind::ResidentId => ResidentId::parse(input).map(|_| ()),
            IdKind::OrgCode => OrgCode::parse(input).map(|_| ()),
        }
    }

    /// Guesses the kind from the shape: 9 (or 10 with a hyphen) → organisation code;
    /// 18 all digits (optionally ending in X) with a plausible date → resident number;
    /// other 18 → USCC.
    pub fn detect(input: &str) -> Result<IdKind, IdError> {
        let s = input.trim();
        let n = s.chars().count();
        match n {
            9 | 10 => Ok(IdKind::OrgCode),
            18 => {
                let b = s.as_bytes();
                let digits17 = b[..17].iter().all(u8::is_ascii_digit);
                let last_ok = b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x';
                // A USCC starts with a registering-authority character and an entity type;
                // resident numbers start with a province code 11-82 and carry 19xx/20xx.
                let year_like = s.get(6..8).is_some_and(|y| y == "19" || y == "20");
                if digits17 && last_ok && year_like {
                    Ok(IdKind::ResidentId)
                } else {
                    Ok(IdKind::Uscc)
                }
            }
            n => Err(IdError::UnknownKind(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn personal_data_in_free_text_is_masked() {
        use super::mask_personal_in as m;
        assert_eq!(
            m("联系人王工，电话13812345678，邮箱 wang.gong@example.com。"),
            "联系人王工，电话138****5678，邮箱 w***@example.com。"
        );
        assert_eq!(
            m("身份证 11010519491231002X / 110105194912310021"),
            "身份证 110105********002X / 110105********0021"
        );
        // Not a phone: too long, part of a code, or a figure.
        for kept in [
            "订单 138123456789",
            "型号 A13812345678",
            "USCC 91340100MA2TQ8K5XE",
            "产能 12000 吨，投资 3.5 亿元",
        ] {
            assert_eq!(m(kept), kept);
        }
    }

    use super::*;

    #[test]
    fn uscc_examples() {
        for ok in [
            "91110000600037341L",
            "91440300708461136T",
            "91310117MA1J00014T",
        ] {
            assert!(Uscc::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Uscc::parse("91110000600037341A").unwrap_err().reason(),
            "check"
        );
        assert_eq!(
            Uscc::parse("9111000060003734IL").unwrap_err(),
            IdError::Character { ch: 'I', pos: 17 }
        );
        assert_eq!(Uscc::parse("911").unwrap_err().reason(), "length");
        let built = Uscc::with_check("91310117MA1J00014").unwrap();
        assert_eq!(built.as_str(), "91310117MA1J00014T");
        assert_eq!(built.division(), "310117");
    }

    #[test]
    fn resident_examples() {
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("360426199101010071").is_ok());
        assert_eq!(
            ResidentId::parse("310117199001011234")
                .unwrap_err()
                .reason(),
            "check"
        );
        assert_eq!(
            ResidentId::parse("110105194902301234")
                .unwrap_err()
                .reason(),
            "date"
        );
        let r = ResidentId::parse("11010519491231002x").unwrap();
        assert_eq!(r.masked(), "110105********002X");
        assert!(!format!("{r:?}").contains("19491231"));
    }

    #[test]
    fn org_code_examples() {
        // The organisation code inside a valid USCC checks out.
        assert!(OrgCode::parse("60003734-1").is_ok());
        assert!(OrgCode::parse("708461136").is_ok());
        assert_eq!(OrgCode::parse("708461137").unwrap_err().reason(), "check");
    }

    #[test]
    fn detect_kinds() {
        assert_eq!(IdKind::detect("91110000600037341L").unwrap(), IdKind::Uscc);
        assert_eq!(
            IdKind::detect("11010519491231002X").unwrap(),
            IdKind::ResidentId
        );
        assert_eq!(IdKind::detect("708461136").unwrap(), IdKind::OrgCode);
        assert!(IdKind::detect("1234").is_err());
    }

    #[test]
    fn masking() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_name("张三"), "张*");
    }

    #[test]
    fn passport_numbers() {
        assert_eq!(
            PassportNo::parse(" e1234 5678 ").unwrap().as_str(),
            "E12345678"
        );
        assert_eq!(
            PassportNo::parse("C01X00T47").unwrap().as_str(),
            "C01X00T47"
        );
        assert!(matches!(
            PassportNo::parse("12345"),
            Err(IdError::LengthRange { got: 5, .. })
        ));
        assert!(matches!(
            PassportNo::parse("1234567890"),
            Err(IdError::LengthRange { got: 10, .. })
        ));
        assert!(matches!(
            PassportNo::parse("AB-12345"),
            Err(IdError::Character { ch: '-', pos: 3 })
        ));
        assert_eq!(PassportNo::parse("ABCDEFG"), Err(IdError::NoDigit));
        assert!(IdError::NoDigit.zh().contains("数字"));
    }
}
