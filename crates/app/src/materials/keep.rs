//! Adding files to a case: checked (type, name, limits), stored durably under their hash, and
//! recorded by the single writer — one at a time on a case that exists ([`App::attach`],
//! [`attach_batch`]), or with the filing itself ([`App::keep_filed_materials`], recorded in the
//! filing's transaction).

use super::{bad_file, may_attach, view, AttachmentView};
use crate::documents::NewFile;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_domain::case::Principal;
use corridor_domain::catalogue::{FieldError, Matter};
use corridor_domain::materials::{self as m, FileKind, Limits};
use corridor_store::{sha256_hex, AttachmentRecord, CaseRecord, MaterialCheckRecord, Store};
use std::sync::Arc;
use uuid::Uuid;

impl App {
    /// Adds a file for material `material` of a case. The type comes from the content; the
    /// file is on disk before its record and the case's audit event (which carries its hash)
    /// commit, and both before the answer.
    pub async fn attach(
        &self,
        p: &Principal,
        case: Uuid,
        material: usize,
        NewFile { name, bytes }: NewFile,
    ) -> AppResult<AttachmentView> {
        let (c, matter) = self.open_for_attach(p, case, material).await?;
        let kind = m::detect(&bytes).map_err(bad_file)?;
        let file_name = m::file_name(&name, kind).map_err(bad_file)?;
        let mt = &matter.materials[material];
        let event = serde_json::json!({"material_en": mt.name_en});
        self.store_attachment(
            p,
            &c,
            material,
            kind,
            file_name,
            bytes,
            "attach_material",
            event,
        )
        .await
    }

    /// Hashes a file (SHA-256, off the request threads: 20 MB takes milliseconds) and stores it
    /// under its hash, on disk before this returns: its hash and size, for the record that
    /// names it. Every upload (a case's material, a listing's or a proposal's document) goes
    /// through here.
    pub(crate) async fn keep_file(&self, bytes: Vec<u8>) -> AppResult<(String, i64)> {
        let (sha256, bytes) = tokio::task::spawn_blocking(move || (sha256_hex(&bytes), bytes))
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("hashing failed: {e}")))?;
        let size = bytes.len() as i64;
        self.store.put_blob(&sha256, Arc::new(bytes)).await?;
        Ok((sha256, size))
    }

    /// The case, and its matter, if `p` may add to material `material` of it now.
    pub(crate) async fn open_for_attach(
        &self,
        p: &Principal,
        case: Uuid,
        material: usize,
    ) -> AppResult<(CaseRecord, Matter)> {
        let c = self.load_visible(p, case).await?;
        may_attach(p, &c)?;
        let matter = self.matter_of(&c)?;
        if matter.materials.get(material).is_none() {
            return Err(AppError::not_found(format!(
                "material {material} of matter {}",
                matter.code
            ))
            .with_zh(format!("事项 {} 的第 {material} 项材料", matter.code)));
        }
        Ok((c, matter))
    }

    /// Stores a checked file for a material within the case's limits, and its record (see
    /// [`App::keep_material`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_attachment(
        &self,
        p: &Principal,
        c: &CaseRecord,
        material: usize,
        kind: FileKind,
        file_name: String,
        bytes: Vec<u8>,
        action: &'static str,
        event: serde_json::Value,
    ) -> AppResult<AttachmentView> {
        let files = self.store.attachments_of_case(c.id).await?;
        let total: u64 = files.iter().map(|a| a.size.max(0) as u64).sum();
        self.material_limits()
            .admit(bytes.len() as u64, files.len() as u64, total)
            .map_err(bad_file)?;
        let file = self
            .keep_material(p, c.id, (material, kind, file_name), bytes, action, event)
            .await?;
        let v = view(&file.record);
        let limits = self.material_limits();
        let job = |reply| {
            crate::writer::WriteJob::Attach(Box::new(AttachJob {
                file: file.clone(),
                limits,
                reply,
            }))
        };
        self.to_writer(job).await?;
        tracing::info!(receipt = %c.receipt_no, material, size = v.size, action, "material attached");
        Ok(v)
    }

    /// Stores a checked file for material `material` of case `case` durably and makes what
    /// the writer records of it: its record, the case's audit event `action` (`event` plus the
    /// material, type, size and hash; not the name, which may be personal) and, for the
    /// receiving clerk, the mark that the material was received (a mark that the original was
    /// seen stands).
    pub(crate) async fn keep_material(
        &self,
        p: &Principal,
        case: Uuid,
        (material, kind, file_name): (usize, FileKind, String),
        bytes: Vec<u8>,
        action: &'static str,
        mut event: serde_json::Value,
    ) -> AppResult<KeptFile> {
        let (sha256, size) = self.keep_file(bytes).await?;
        let record = AttachmentRecord {
            id: Uuid::now_v7(),
            case_id: case,
            material: material as i64,
            file_name,
            kind: kind.as_str().to_string(),
            size,
            sha256,
            added_by: p.user_id.to_string(),
            added_role: p.role.as_str().to_string(),
            added_ms: self.now_ms(),
        };
        if let Some(o) = event.as_object_mut() {
            o.insert("material".into(), material.into());
            o.insert("kind".into(), kind.as_str().into());
            o.insert("size".into(), size.into());
            o.insert("sha256".into(), record.sha256.clone().into());
        }
        let received =
            (p.role == corridor_domain::case::Role::Clerk).then(|| MaterialCheckRecord {
                case_id: case,
                material: material as i64,
                received: true,
                original_seen: false,
                checked_by: p.user_id.to_string(),
                checked_ms: record.added_ms,
            });
        Ok(KeptFile {
            record,
            received,
            role: p.role.as_str(),
            action,
            after: event.to_string(),
        })
    }

    /// Checks the files handed in with a filing for the case `c` is to become (who may add
    /// them, which material each answers, its type and name, the case's limits over all of
    /// them) and stores them durably, side by side; what the writer records with the case.
    pub(crate) async fn keep_filed_materials(
        &self,
        p: &Principal,
        c: &CaseRecord,
        matter: &Matter,
        files: Vec<(usize, NewFile)>,
    ) -> AppResult<Vec<KeptFile>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        may_attach(p, c)?;
        let limits = self.material_limits();
        let (mut count, mut total) = (0u64, 0u64);
        let mut checked = Vec::with_capacity(files.len());
        for (material, NewFile { name, bytes }) in files {
            let Some(mt) = matter.materials.get(material) else {
                return Err(AppError::fields(vec![FieldError::new(
                    format!("materials[{material}]"),
                    format!("matter {} has no material {material}", matter.code),
                    format!("事项 {} 没有第 {material} 项材料", matter.code),
                )]));
            };
            limits
                .admit(bytes.len() as u64, count, total)
                .map_err(bad_file)?;
            (count, total) = (count + 1, total + bytes.len() as u64);
            let kind = m::detect(&bytes).map_err(bad_file)?;
            let file_name = m::file_name(&name, kind).map_err(bad_file)?;
            let event = serde_json::json!({"material_en": mt.name_en});
            checked.push(((material, kind, file_name), bytes, event));
        }
        futures::future::try_join_all(checked.into_iter().map(|(what, bytes, event)| {
            self.keep_material(p, c.id, what, bytes, "attach_material", event)
        }))
        .await
    }
}

/// A file for a case's material, stored already, and what the single writer records of it.
#[derive(Clone)]
pub(crate) struct KeptFile {
    pub(crate) record: AttachmentRecord,
    /// The receiving clerk's mark that the material was received.
    pub(crate) received: Option<MaterialCheckRecord>,
    pub(crate) role: &'static str,
    /// The audit event's action and what it records.
    pub(crate) action: &'static str,
    pub(crate) after: String,
}

impl KeptFile {
    /// The case's audit event for the file.
    pub(crate) fn event(&self) -> crate::writer::NewEvent {
        crate::writer::NewEvent {
            stream: format!("case:{}", self.record.case_id),
            at_ms: self.record.added_ms,
            actor: self.record.added_by.clone(),
            role: self.role,
            action: self.action.to_string(),
            before: "{}".into(),
            after: self.after.clone(),
        }
    }
}

/// A file added to a case that exists, waiting for the single writer: the writer records many
/// in one go ([`attach_batch`]).
pub(crate) struct AttachJob {
    pub(crate) file: KeptFile,
    pub(crate) limits: Limits,
    pub(crate) reply: tokio::sync::oneshot::Sender<AppResult<()>>,
}

/// Records a batch's files: each within its case's limits again, counted with the files
/// recorded before it (uploads running side by side cannot pass a case's limits together; a
/// refused file's bytes are swept at the next start). The cases' totals are read in one
/// statement, and the admitted files, the marks and the audit events written in one each.
/// Each job's answer, in order.
pub(crate) async fn attach_batch(
    tx: &mut corridor_store::WriteTx,
    jobs: &[AttachJob],
) -> AppResult<Vec<AppResult<()>>> {
    let cases: Vec<Uuid> = jobs
        .iter()
        .map(|j| j.file.record.case_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut totals = Store::file_totals_of_cases(tx, &cases).await?;
    let (mut records, mut marks, mut events) = (Vec::new(), Vec::new(), Vec::new());
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        let r = &j.file.record;
        let size = r.size.max(0) as u64;
        let (count, total) = totals.entry(r.case_id).or_insert((0, 0));
        if let Err(e) = j.limits.admit(size, *count, *total) {
            out.push(Err(bad_file(e)));
            continue;
        }
        (*count, *total) = (*count + 1, *total + size);
        records.push(r.clone());
        marks.extend(j.file.received.clone());
        events.push(j.file.event());
        out.push(Ok(()));
    }
    Store::insert_attachments(tx, &records).await?;
    Store::mark_received(tx, &marks).await?;
    crate::writer::append_events(tx, &events).await?;
    Ok(out)
}
