//! Materials: files handed in with a case, each for one of the matter's materials; who adds
//! and sees them (`corridor_domain::materials`); the check that a case is complete before it
//! is forwarded.

use crate::cases::{rfc3339, scope};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_domain::case::Principal;
use corridor_domain::catalogue::{FieldError, Material, Matter};
use corridor_domain::materials::{self as m, Check, FileError, FileKind, Gap, Limits};
use corridor_store::{AttachmentRecord, CaseRecord, MaterialCheckRecord, Store};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A case's files and the window's marks on its materials.
pub(crate) type FilesAndMarks = (Vec<AttachmentRecord>, Vec<MaterialCheckRecord>);

mod keep;
mod licence_ref;
pub(crate) use keep::{attach_batch, AttachJob, KeptFile};
pub use licence_ref::{LicenceReference, VerifiedLicence, MAX_REFERENCE};

/// The largest request body an upload reads (the configured per-file limit, 20 MB by
/// default, is checked after; this bounds what a server reads at all, with room for a form's
/// multipart framing).
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// One file of a case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// The material it answers: its position in [`CaseMaterials::materials`].
    pub material: usize,
    pub file_name: String,
    pub kind: FileKind,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex (also in the case's audit event).
    pub sha256: String,
    /// `applicant` or `clerk`.
    pub added_by_role: String,
    pub added_at: String,
    /// For a licence given by reference (`kind` = `licence`): what was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<VerifiedLicence>,
}

impl AttachmentView {
    /// The headers the file is served with (see [`download_headers`]).
    pub fn download_headers(&self) -> [(&'static str, String); 4] {
        download_headers(&self.file_name, &self.content_type, &self.sha256)
    }
}

/// The headers a stored file is served with by either face: its type, shown in the browser
/// (PDFs and images) under its name (ASCII, and UTF-8 per RFC 6266), its hash as the entity
/// tag, never cached by shared caches.
pub fn download_headers(
    file_name: &str,
    content_type: &str,
    sha256: &str,
) -> [(&'static str, String); 4] {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    [
        ("content-type", content_type.to_string()),
        (
            "content-disposition",
            format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ),
        ("etag", format!("\"{sha256}\"")),
        ("cache-control", "private, no-store".to_string()),
    ]
}

/// One material the matter asks for, with the files handed in for it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaterialView {
    pub index: usize,
    pub name_zh: String,
    pub name_en: String,
    pub required: bool,
    /// Paper copies to hand in at a window, per the catalogue.
    pub copies: u32,
    /// The window must see the original.
    pub original: bool,
    /// What the receiving window confirmed (both false for a case filed online).
    pub received: bool,
    pub original_seen: bool,
    /// Why this material keeps the case from being forwarded, if it does: `no_file`,
    /// `not_received` or `original_not_seen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<String>,
    /// The type of Corridor e-licence that may be given instead of a file (once only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence_type: Option<String>,
    pub files: Vec<AttachmentView>,
}

/// The window's mark on one material.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialCheck {
    /// The material's position in [`CaseMaterials::materials`].
    pub material: usize,
    pub received: bool,
    #[serde(default)]
    pub original_seen: bool,
}

/// A case's materials.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseMaterials {
    pub materials: Vec<MaterialView>,
    /// Nothing holds the case back: every required material has a file and, for a case at a
    /// window, is marked received (and its original seen where the catalogue asks).
    pub complete: bool,
    /// Whether the caller may add files now.
    pub may_attach: bool,
    /// Whether the caller marks materials received and originals seen (the receiving
    /// window's clerk, until the case is forwarded).
    pub may_check: bool,
}

fn gap_code(g: Gap) -> &'static str {
    match g {
        Gap::NoFile => "no_file",
        Gap::NotReceived => "not_received",
        Gap::OriginalNotSeen => "original_not_seen",
    }
}

impl App {
    /// A recorded file's bytes; a file missing from the store is logged and answered as the
    /// server's fault (`corridor audit verify` names it).
    pub(crate) async fn stored_file(&self, sha256: &str) -> AppResult<Vec<u8>> {
        self.store.blob(sha256).await?.ok_or_else(|| {
            tracing::error!(sha256, "stored file missing");
            AppError::new(
                ErrorCode::Internal,
                "the stored file is missing; it has been logged",
            )
            .with_zh("存储的文件缺失，已记录日志")
        })
    }
}

/// A refused file as an error: its stable code, in both languages, on the field `file`.
pub fn bad_file(e: FileError) -> AppError {
    let code = match e {
        FileError::TooLarge { .. } | FileError::CaseTooLarge { .. } | FileError::TooMany { .. } => {
            ErrorCode::FileTooLarge
        }
        _ => ErrorCode::FileRefused,
    };
    let mut a = AppError::new(code, e.to_string()).with_zh(e.zh());
    a.fields = vec![FieldError::new("file", e.to_string(), e.zh())];
    a
}

fn view(a: &AttachmentRecord) -> AttachmentView {
    let kind = FileKind::parse(&a.kind).unwrap_or(FileKind::Pdf);
    AttachmentView {
        id: a.id,
        material: a.material.max(0) as usize,
        file_name: a.file_name.clone(),
        kind,
        content_type: kind.content_type().to_string(),
        size: a.size.max(0) as u64,
        sha256: a.sha256.clone(),
        added_by_role: a.added_role.clone(),
        added_at: rfc3339(a.added_ms),
        licence: None,
    }
}

fn check_of(checks: &[MaterialCheckRecord], i: usize) -> Check {
    checks
        .iter()
        .find(|c| c.material == i as i64)
        .map(|c| Check {
            received: c.received,
            original_seen: c.original_seen,
        })
        .unwrap_or_default()
}

/// What holds a case back, by material (the rule is [`m::gaps`]).
fn gaps_of(
    matter: &Matter,
    c: &CaseRecord,
    files: &[AttachmentRecord],
    checks: &[MaterialCheckRecord],
) -> Vec<(usize, Gap)> {
    m::gaps(
        &matter.materials,
        c.receiving_window.is_some(),
        |i| files.iter().any(|a| a.material == i as i64),
        |i| check_of(checks, i),
    )
}

/// Refuses `p` adding files to the case now (the rule is `Principal::may_attach`).
pub(crate) fn may_attach(p: &Principal, c: &CaseRecord) -> AppResult<()> {
    if p.may_attach(&scope(c), c.status) {
        return Ok(());
    }
    Err(AppError::forbidden(format!(
        "role {} may not add files to this case while it is {}",
        p.role.as_str(),
        c.status.as_str()
    ))
    .with_zh(format!(
        "角色 {} 不能在办件处于“{}”时添加材料",
        p.role.as_str(),
        c.status.label_zh()
    )))
}

impl App {
    /// The limits on files (defaults: 20 MB a file, 100 MB and 50 files a case).
    pub fn material_limits(&self) -> Limits {
        self.material_limits
            .read()
            .map(|l| *l)
            .unwrap_or_else(|p| *p.into_inner())
    }

    pub fn set_material_limits(&self, l: Limits) {
        if let Ok(mut g) = self.material_limits.write() {
            *g = l;
        }
    }

    fn may_see_materials(p: &Principal, c: &CaseRecord) -> AppResult<()> {
        if p.sees_materials(&scope(c)) {
            return Ok(());
        }
        Err(AppError::forbidden(format!(
            "role {} may not see this case's materials (only its applicant, the receiving window and the deciding authority)",
            p.role.as_str()
        ))
        .with_zh(format!(
            "角色 {} 无权查看此办件的材料（仅申请人、收件窗口和审批部门可查看）",
            p.role.as_str()
        )))
    }

    /// The matter's materials with the files handed in for each.
    pub async fn materials(&self, p: &Principal, case: Uuid) -> AppResult<CaseMaterials> {
        let c = self.load_visible(p, case).await?;
        App::may_see_materials(p, &c)?;
        let matter = self.matter_of(&c)?;
        let files = self.store.attachments_of_case(c.id).await?;
        let checks = self.store.material_checks_of_case(c.id).await?;
        let gaps = gaps_of(&matter, &c, &files, &checks);
        let mut views: Vec<AttachmentView> = files.iter().map(view).collect();
        for v in views.iter_mut().filter(|v| v.kind == FileKind::Licence) {
            v.licence = self.verified_licence(&v.file_name).await?;
        }
        let materials = matter
            .materials
            .iter()
            .enumerate()
            .map(|(i, mt): (usize, &Material)| (i, mt, check_of(&checks, i)))
            .map(|(i, mt, check)| MaterialView {
                index: i,
                name_zh: mt.name_zh.clone(),
                name_en: mt.name_en.clone(),
                required: mt.required,
                copies: mt.copies,
                original: mt.original,
                received: check.received,
                original_seen: check.original_seen,
                gap: gaps
                    .iter()
                    .find(|(g, _)| *g == i)
                    .map(|(_, g)| gap_code(*g).to_string()),
                licence_type: mt.licence_type.clone(),
                files: views.iter().filter(|a| a.material == i).cloned().collect(),
            })
            .collect();
        Ok(CaseMaterials {
            materials,
            complete: gaps.is_empty(),
            may_attach: p.may_attach(&scope(&c), c.status),
            may_check: p.may_check_materials(&scope(&c), c.status),
        })
    }

    /// The receiving clerk marks materials received and originals seen. Marks replace earlier
    /// ones; each call is an audit event.
    pub async fn check_materials(
        &self,
        p: &Principal,
        case: Uuid,
        marks: &[MaterialCheck],
    ) -> AppResult<CaseMaterials> {
        let c = self.load_visible(p, case).await?;
        if !p.may_check_materials(&scope(&c), c.status) {
            return Err(AppError::forbidden(format!(
                "only the receiving window's clerk marks materials, before the case is forwarded (role {}, case {})",
                p.role.as_str(),
                c.status.as_str()
            ))
            .with_zh(format!(
                "只有收件窗口的工作人员可在转递前确认材料（角色 {}，办件“{}”）",
                p.role.as_str(),
                c.status.label_zh()
            )));
        }
        let matter = self.matter_of(&c)?;
        if marks.is_empty() || marks.len() > matter.materials.len() {
            return Err(AppError::fields(vec![FieldError::new(
                "checks",
                format!("give 1 to {} marks", matter.materials.len()),
                format!("须提交 1 至 {} 项确认", matter.materials.len()),
            )]));
        }
        let mut bad = Vec::new();
        for (k, mk) in marks.iter().enumerate() {
            if mk.material >= matter.materials.len() {
                bad.push(FieldError::new(
                    format!("checks[{k}].material"),
                    format!("matter {} has no material {}", matter.code, mk.material),
                    format!("事项 {} 没有第 {} 项材料", matter.code, mk.material),
                ));
            }
        }
        if !bad.is_empty() {
            return Err(AppError::fields(bad));
        }
        let at = self.now_ms();
        let rows: Vec<MaterialCheckRecord> = marks
            .iter()
            .map(|mk| MaterialCheckRecord {
                case_id: c.id,
                material: mk.material as i64,
                received: mk.received,
                original_seen: mk.original_seen,
                checked_by: p.user_id.to_string(),
                checked_ms: at,
            })
            .collect();
        let after = serde_json::json!({
            "checks": marks
                .iter()
                .map(|mk| serde_json::json!({
                    "material": mk.material,
                    "received": mk.received,
                    "original_seen": mk.original_seen,
                }))
                .collect::<Vec<_>>(),
        })
        .to_string();
        let (actor, role, id) = (p.user_id.to_string(), p.role.as_str(), c.id);
        self.write(Box::new(move |tx| {
            let (rows, after, actor) = (rows.clone(), after.clone(), actor.clone());
            Box::pin(async move {
                Store::upsert_material_checks(tx, &rows).await?;
                Store::append_event(
                    tx,
                    &format!("case:{id}"),
                    at,
                    &actor,
                    role,
                    "check_materials",
                    "{}".into(),
                    after,
                )
                .await?;
                Ok(())
            })
        }))
        .await?;
        self.materials(p, case).await
    }

    /// A file's record and bytes; the download is recorded in the case's audit trail.
    pub async fn material_file(
        &self,
        p: &Principal,
        case: Uuid,
        file: Uuid,
    ) -> AppResult<(AttachmentView, Vec<u8>)> {
        let c = self.load_visible(p, case).await?;
        App::may_see_materials(p, &c)?;
        let not_found = || {
            AppError::not_found(format!("file {file} of case {case}"))
                .with_zh(format!("办件 {case} 的文件 {file}"))
        };
        let rec = self
            .store
            .attachments_of_case(c.id)
            .await?
            .into_iter()
            .find(|a| a.id == file)
            .ok_or_else(not_found)?;
        let bytes = self.stored_file(&rec.sha256).await?;
        let after = serde_json::json!({"file": rec.id, "sha256": rec.sha256}).to_string();
        let (actor, role, at) = (p.user_id.to_string(), p.role.as_str(), self.now_ms());
        self.write(Box::new(move |tx| {
            let (actor, after) = (actor.clone(), after.clone());
            Box::pin(async move {
                Store::append_event(
                    tx,
                    &format!("case:{case}"),
                    at,
                    &actor,
                    role,
                    "download_material",
                    "{}".into(),
                    after,
                )
                .await?;
                Ok(())
            })
        }))
        .await?;
        Ok((view(&rec), bytes))
    }

    /// Refuses a resubmission until each material the correction named has a file handed in
    /// since the request, naming the rest.
    pub(crate) async fn check_corrected_files(&self, c: &CaseRecord) -> AppResult<()> {
        let Some((k, asked_ms)) = self.open_correction(c).await? else {
            return Ok(());
        };
        let matter = self.matter_of(c)?;
        let files = self.store.attachments_of_case(c.id).await?;
        let waiting: Vec<(usize, &Material)> = k
            .materials
            .iter()
            .filter(|i| {
                !files
                    .iter()
                    .any(|a| a.material == **i as i64 && a.added_ms >= asked_ms)
            })
            .filter_map(|i| matter.materials.get(*i).map(|m| (*i, m)))
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let en: Vec<&str> = waiting.iter().map(|(_, m)| m.name_en.as_str()).collect();
        let zh: Vec<&str> = waiting.iter().map(|(_, m)| m.name_zh.as_str()).collect();
        let mut e = AppError::new(
            ErrorCode::MaterialsMissing,
            format!("the correction asks for a new file of: {}", en.join("; ")),
        )
        .with_zh(format!("补正要求重新提交：{}", zh.join("；")));
        e.fields = waiting
            .iter()
            .map(|(i, m)| {
                FieldError::new(
                    format!("materials[{i}]"),
                    format!("{}: hand in a new file as the correction asks", m.name_en),
                    format!("{}：请按补正要求重新提交", m.name_zh),
                )
            })
            .collect();
        Err(e)
    }

    /// Refuses to forward a case that lacks a required material, naming what is missing; the
    /// files and marks it read, when none is.
    pub(crate) async fn check_complete(&self, c: &CaseRecord) -> AppResult<FilesAndMarks> {
        let matter = self.matter_of(c)?;
        let files = self.store.attachments_of_case(c.id).await?;
        let checks = self.store.material_checks_of_case(c.id).await?;
        let gaps = gaps_of(&matter, c, &files, &checks);
        if gaps.is_empty() {
            return Ok((files, checks));
        }
        let whys: Vec<(usize, (String, String))> = gaps
            .iter()
            .map(|(i, g)| (*i, g.why(&matter.materials[*i])))
            .collect();
        let en: Vec<&str> = whys.iter().map(|(_, (en, _))| en.as_str()).collect();
        let zh: Vec<&str> = whys.iter().map(|(_, (_, zh))| zh.as_str()).collect();
        let mut e = AppError::new(
            ErrorCode::MaterialsMissing,
            format!("required materials are not complete: {}", en.join("; ")),
        )
        .with_zh(format!("必需材料不齐：{}", zh.join("；")));
        e.fields = whys
            .into_iter()
            .map(|(i, (en, zh))| FieldError::new(format!("materials[{i}]"), en, zh))
            .collect();
        Err(e)
    }
}
