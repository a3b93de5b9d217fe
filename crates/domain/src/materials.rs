//! Materials: the files handed in with a filing (issue #23), checked with no IO.
//!
//! - [`detect`]: a file's type from its content (PDF, JPEG or PNG), never from its name, and
//!   whether the file is whole (a truncated or corrupt file is refused).
//! - [`file_name`]: the name a file is recorded under (no path, no control characters, an
//!   extension that agrees with the content).
//! - [`Limits`]: how large a file and a case's files may be, and how many.
//! - [`Principal::may_attach`] and [`Principal::sees_materials`]: who adds and who sees them.
//! - [`gaps`]: what keeps a case from being forwarded (a required material without a file,
//!   not marked received at the window, or its original not seen where the catalogue asks).

use crate::case::{CaseScope, Principal, Role, Status};
use crate::catalogue::Material;
use serde::{Deserialize, Serialize};

pub mod sample;

crate::codes! {
    /// The file types a material may have.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum FileKind {
        Pdf,
        Jpeg,
        Png,
        /// A signed e-licence that Corridor issued, given by its number or QR text and
        /// verified (stored as its signed envelope; never uploaded as a file).
        Licence,
    }
}

impl FileKind {
    /// The media type the file is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Licence => "application/cose",
        }
    }

    /// The extensions a file name of this type may end in (lower case, without the dot).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Licence => &["cose"],
        }
    }

    /// Shown inline in the browser (images) rather than opened as a document.
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }
}

/// Why a file is refused. `code` is stable (the API's `errors[].code`); each has an English
/// and a Chinese text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; at most {limit} bytes are accepted")]
    TooLarge { size: u64, limit: u64 },
    #[error("the files together would come to {total} bytes; at most {limit} bytes are accepted")]
    CaseTooLarge { total: u64, limit: u64 },
    #[error("there are already {count} files; at most {limit} are accepted")]
    TooMany { count: u64, limit: u64 },
    #[error("the content is not a PDF, JPEG or PNG file")]
    UnknownType,
    #[error("the file is cut short or damaged ({0})")]
    Damaged(&'static str),
    #[error("the file name {0}")]
    BadName(&'static str),
    #[error("the content is {} but the name ends in .{ext}", content.as_str())]
    Mismatch { content: FileKind, ext: String },
}

impl FileError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "file_empty",
            FileError::TooLarge { .. } => "file_too_large",
            FileError::CaseTooLarge { .. } => "case_files_too_large",
            FileError::TooMany { .. } => "too_many_files",
            FileError::UnknownType => "file_type_unknown",
            FileError::Damaged(_) => "file_damaged",
            FileError::BadName(_) => "file_name_invalid",
            FileError::Mismatch { .. } => "file_type_mismatch",
        }
    }

    /// The reason in Chinese.
    pub fn zh(&self) -> String {
        match self {
            FileError::Empty => "文件为空".into(),
            FileError::TooLarge { size, limit } => {
                format!("文件大小 {size} 字节，超过上限 {limit} 字节")
            }
            FileError::CaseTooLarge { total, limit } => {
                format!("本件材料合计将达 {total} 字节，超过上限 {limit} 字节")
            }
            FileError::TooMany { count, limit } => {
                format!("本件已有 {count} 个文件，最多 {limit} 个")
            }
            FileError::UnknownType => "文件内容不是 PDF、JPEG 或 PNG".into(),
            FileError::Damaged(what) => format!("文件不完整或已损坏（{what}）"),
            FileError::BadName(why) => format!("文件名无效：{}", bad_name_zh(why)),
            FileError::Mismatch { content, ext } => {
                format!("文件内容为 {}，但文件名扩展名为 .{ext}", content.as_str())
            }
        }
    }
}

fn bad_name_zh(why: &str) -> &'static str {
    match why {
        NAME_EMPTY => "不能为空",
        NAME_LONG => "过长",
        NAME_PATH => "不能包含路径字符",
        NAME_CONTROL => "不能包含控制字符",
        _ => "须以 .pdf、.jpg、.jpeg 或 .png 结尾",
    }
}

const NAME_EMPTY: &str = "is empty";
const NAME_LONG: &str = "is longer than 200 characters";
const NAME_PATH: &str = "may not contain / \\ : or a leading dot";
const NAME_CONTROL: &str = "may not contain control characters";
const NAME_EXT: &str = "must end in .pdf, .jpg, .jpeg or .png";

/// How large and how many (configurable; the defaults are 20 MB a file, 100 MB and 50 files a
/// case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub file_bytes: u64,
    pub case_bytes: u64,
    pub case_files: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            file_bytes: 20 * 1000 * 1000,
            case_bytes: 100 * 1000 * 1000,
            case_files: 50,
        }
    }
}

impl Limits {
    /// Whether one more file of `size` bytes fits a case that holds `count` files of `total`
    /// bytes.
    pub fn admit(&self, size: u64, count: u64, total: u64) -> Result<(), FileError> {
        if size > self.file_bytes {
            return Err(FileError::TooLarge {
                size,
                limit: self.file_bytes,
            });
        }
        if count >= self.case_files {
            return Err(FileError::TooMany {
                count,
                limit: self.case_files,
            });
        }
        let after = total.saturating_add(size);
        if after > self.case_bytes {
            return Err(FileError::CaseTooLarge {
                total: after,
                limit: self.case_bytes,
            });
        }
        Ok(())
    }
}

/// The file's type from its content, if it is a whole PDF, JPEG or PNG file.
pub fn detect(bytes: &[u8]) -> Result<FileKind, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        check_pdf(bytes)?;
        Ok(FileKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        check_jpeg(bytes)?;
        Ok(FileKind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        check_png(bytes)?;
        Ok(FileKind::Png)
    } else {
        Err(FileError::UnknownType)
    }
}

/// The end of a file without trailing white space and NUL padding (scanners and mail add
/// them).
fn trimmed_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

fn check_pdf(bytes: &[u8]) -> Result<(), FileError> {
    let version = bytes
        .get(5..8)
        .ok_or(FileError::Damaged("no PDF version"))?;
    if !(version[0].is_ascii_digit() && version[1] == b'.' && version[2].is_ascii_digit()) {
        return Err(FileError::Damaged("no PDF version"));
    }
    // A whole PDF ends with `%%EOF` (an incremental update appends another body and trailer,
    // which ends the same way).
    let end = trimmed_end(bytes);
    if !end.ends_with(b"%%EOF") {
        return Err(FileError::Damaged("no %%EOF at the end"));
    }
    let tail = &end[end.len().saturating_sub(1100)..];
    if !tail.windows(9).any(|w| w == b"startxref") {
        return Err(FileError::Damaged("no startxref before %%EOF"));
    }
    Ok(())
}

fn check_jpeg(bytes: &[u8]) -> Result<(), FileError> {
    // Walk the segments up to the start of scan; the entropy-coded data then runs to the
    // end-of-image marker.
    let mut i = 2;
    loop {
        let marker = match bytes.get(i..i + 2) {
            Some([0xFF, m]) => *m,
            _ => return Err(FileError::Damaged("segment marker expected")),
        };
        match marker {
            // Fill bytes before a marker.
            0xFF => {
                i += 1;
                continue;
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                i += 2;
                continue;
            }
            0xD9 => return Err(FileError::Damaged("image ends before its data")),
            _ => {}
        }
        let len = match bytes.get(i + 2..i + 4) {
            Some(l) => u16::from_be_bytes([l[0], l[1]]) as usize,
            None => return Err(FileError::Damaged("segment cut short")),
        };
        if len < 2 || i + 2 + len > bytes.len() {
            return Err(FileError::Damaged("segment cut short"));
        }
        i += 2 + len;
        if marker == 0xDA {
            break;
        }
    }
    if !trimmed_end(&bytes[i..]).ends_with(&[0xFF, 0xD9]) {
        return Err(FileError::Damaged("no end-of-image marker"));
    }
    Ok(())
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn check_png(bytes: &[u8]) -> Result<(), FileError> {
    let mut i = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let head = bytes
            .get(i..i + 8)
            .ok_or(FileError::Damaged("chunk cut short"))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        if first && kind != b"IHDR" {
            return Err(FileError::Damaged("IHDR is not the first chunk"));
        }
        first = false;
        let end = i
            .checked_add(12)
            .and_then(|x| x.checked_add(len))
            .filter(|e| *e <= bytes.len())
            .ok_or(FileError::Damaged("chunk cut short"))?;
        let stored = u32::from_be_bytes([
            bytes[end - 4],
            bytes[end - 3],
            bytes[end - 2],
            bytes[end - 1],
        ]);
        if crc32fast::hash(&bytes[i + 4..end - 4]) != stored {
            return Err(FileError::Damaged("chunk checksum differs"));
        }
        i = end;
        if kind == b"IEND" {
            return Ok(());
        }
    }
}

/// The name a file is recorded under: NFC, at most 200 characters, no path or control
/// characters, and an extension that agrees with the content.
pub fn file_name(name: &str, kind: FileKind) -> Result<String, FileError> {
    use unicode_normalization::UnicodeNormalization;
    let name: String = name.trim().nfc().collect();
    if name.is_empty() {
        return Err(FileError::BadName(NAME_EMPTY));
    }
    if name.chars().count() > 200 {
        return Err(FileError::BadName(NAME_LONG));
    }
    if name.chars().any(char::is_control) {
        return Err(FileError::BadName(NAME_CONTROL));
    }
    if name.contains(['/', '\\', ':']) || name.starts_with('.') {
        return Err(FileError::BadName(NAME_PATH));
    }
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => return Err(FileError::BadName(NAME_EXT)),
    };
    if kind.extensions().contains(&ext.as_str()) {
        return Ok(name);
    }
    if FileKind::ALL
        .iter()
        .any(|k| k.extensions().contains(&ext.as_str()))
    {
        return Err(FileError::Mismatch { content: kind, ext });
    }
    Err(FileError::BadName(NAME_EXT))
}

/// What the receiving window's clerk has confirmed of one material.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// The material was handed in (a scan or the applicant's upload matches the paper).
    pub received: bool,
    /// The clerk saw the original (asked for where the catalogue marks the material so).
    pub original_seen: bool,
}

/// Why one required material holds a case back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// No file was handed in for it.
    NoFile,
    /// The window has not marked it received.
    NotReceived,
    /// The catalogue asks the window to see the original, and it has not been marked seen.
    OriginalNotSeen,
}

impl Gap {
    /// The reason, in English and Chinese, for material `m`.
    pub fn why(self, m: &Material) -> (String, String) {
        match self {
            Gap::NoFile => (
                format!("{}: no file handed in", m.name_en),
                format!("{}：未提交文件", m.name_zh),
            ),
            Gap::NotReceived => (
                format!("{}: not marked received at the window", m.name_en),
                format!("{}：窗口未确认收取", m.name_zh),
            ),
            Gap::OriginalNotSeen => (
                format!(
                    "{}: the original has not been checked at the window",
                    m.name_en
                ),
                format!("{}：窗口未核验原件", m.name_zh),
            ),
        }
    }
}

/// What keeps a case from being forwarded, material by material (position in the matter's
/// list): every required material needs a file; a case received at a window also needs the
/// clerk's mark that it was received and, where the catalogue asks, that the original was
/// seen. `has_file(i)` and `check(i)` describe material `i`.
pub fn gaps(
    materials: &[Material],
    at_window: bool,
    has_file: impl Fn(usize) -> bool,
    check: impl Fn(usize) -> Check,
) -> Vec<(usize, Gap)> {
    let mut out = Vec::new();
    for (i, m) in materials.iter().enumerate().filter(|(_, m)| m.required) {
        let c = check(i);
        let gap = if !has_file(i) {
            Some(Gap::NoFile)
        } else if at_window && !c.received {
            Some(Gap::NotReceived)
        } else if at_window && m.original && !c.original_seen {
            Some(Gap::OriginalNotSeen)
        } else {
            None
        };
        out.extend(gap.map(|g| (i, g)));
    }
    out
}

/// Whether `action` needs the case's materials complete first: forwarding a case from its
/// window, or accepting one filed online (no window has seen it).
pub fn complete_before(action: crate::case::Action, at_window: bool) -> bool {
    use crate::case::Action;
    matches!(
        (action, at_window),
        (Action::Forward, true) | (Action::Accept, false)
    )
}

impl Principal {
    /// Whether this caller marks materials received (and originals seen): the receiving
    /// window's clerks, while the case is at the window.
    pub fn may_check_materials(&self, scope: &CaseScope, status: Status) -> bool {
        self.role == Role::Clerk && self.may_attach(scope, status)
    }

    /// Who may add a file to a case in `status`: the applicant while the case is filed and not
    /// yet received, or while a correction is asked of them; the receiving window's clerks
    /// from filing until it is forwarded.
    pub fn may_attach(&self, scope: &CaseScope, status: Status) -> bool {
        match self.role {
            Role::Applicant => {
                scope.applicant_user == Some(self.user_id)
                    && matches!(status, Status::Submitted | Status::CorrectionRequested)
            }
            Role::Clerk => {
                scope.receiving_window.is_some()
                    && self.window_id.as_deref() == scope.receiving_window
                    && matches!(status, Status::Submitted | Status::Received)
            }
            _ => false,
        }
    }

    /// Who sees a case's materials: its applicant, the receiving window's clerks and the
    /// competent authority's reviewers; never the joint office, an administrator or another
    /// city.
    pub fn sees_materials(&self, scope: &CaseScope) -> bool {
        match self.role {
            Role::Applicant => scope.applicant_user == Some(self.user_id),
            Role::Clerk => {
                scope.receiving_window.is_some()
                    && self.window_id.as_deref() == scope.receiving_window
            }
            Role::Reviewer => self.authority_id.as_deref() == Some(scope.competent_authority),
            Role::JointOffice | Role::Admin => false,
        }
    }
}

#[cfg(test)]
mod tests;
