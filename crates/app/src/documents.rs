//! Documents held by a listing or a proposal: PDF, JPEG or PNG, told from the content and held
//! to the same limits as a case's materials; stored durably and content-addressed like them,
//! each file's hash in the holder's audit chain (`listing:<id>`, `proposal:<id>`). Who may add
//! and see them is the holder's rule; this module stores and reads them.

use crate::materials::bad_file;
use crate::{App, AppResult};
use corridor_domain::case::Principal;
use corridor_domain::materials::{self as m, FileKind};
use corridor_store::{DocumentRow, Store};
use serde::Serialize;
use uuid::Uuid;

/// A file as handed in: the name it came with (checked against the content) and its bytes (the
/// type is told from them). Both faces hand the application one of these for every upload.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl NewFile {
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        NewFile {
            name: name.into(),
            bytes,
        }
    }
}

/// One document of a listing or a proposal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub file_name: String,
    pub kind: FileKind,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex (also in the holder's audit event).
    pub sha256: String,
    pub added_at: String,
}

impl DocumentView {
    /// The headers the file is served with by either face.
    pub fn download_headers(&self) -> [(&'static str, String); 4] {
        crate::materials::download_headers(&self.file_name, &self.content_type, &self.sha256)
    }
}

pub(crate) fn document_view(f: &DocumentRow) -> DocumentView {
    let kind = FileKind::parse(&f.kind).unwrap_or(FileKind::Pdf);
    DocumentView {
        id: f.id.clone(),
        file_name: f.file_name.clone(),
        kind,
        content_type: kind.content_type().to_string(),
        size: f.size.max(0) as u64,
        sha256: f.sha256.clone(),
        added_at: crate::cases::rfc3339(f.added_ms),
    }
}

impl App {
    /// The limits on a holder's documents: a file as large as a case's material may be, the
    /// holder's files together as large as a case's, at most `files` of them.
    pub(crate) fn document_limits(&self, files: u64) -> m::Limits {
        let l = self.material_limits();
        m::Limits {
            case_files: l.case_files.min(files),
            ..l
        }
    }

    /// Stores a document for `holder` (its audit stream) once the caller has checked who may
    /// add it. The bytes are on disk before the record and the holder's audit event (which
    /// carries the hash) commit, and both before the answer.
    pub(crate) async fn add_document(
        &self,
        p: &Principal,
        holder: String,
        NewFile { name, bytes }: NewFile,
        limits: m::Limits,
    ) -> AppResult<DocumentView> {
        let kind = m::detect(&bytes).map_err(bad_file)?;
        if kind == FileKind::Licence {
            return Err(bad_file(m::FileError::UnknownType));
        }
        let file_name = m::file_name(&name, kind).map_err(bad_file)?;
        let have = self.store.documents(&holder).await?;
        let total: u64 = have.iter().map(|f| f.size.max(0) as u64).sum();
        limits
            .admit(bytes.len() as u64, have.len() as u64, total)
            .map_err(bad_file)?;
        let (sha256, size) = self.keep_file(bytes).await?;
        let rec = DocumentRow {
            id: Uuid::now_v7().to_string(),
            holder,
            file_name,
            kind: kind.as_str().into(),
            size,
            sha256,
            added_by: p.username.clone(),
            added_ms: self.now_ms(),
        };
        let r = rec.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            Box::pin(async move {
                // Again in the writer: uploads side by side cannot pass the limits together.
                let (count, total) = Store::document_totals(tx, &r.holder).await?;
                limits
                    .admit(r.size.max(0) as u64, count, total)
                    .map_err(bad_file)?;
                Store::insert_document(tx, &r).await?;
                let after = serde_json::json!({
                    "file": r.id, "kind": r.kind, "size": r.size, "sha256": r.sha256
                });
                crate::writer::append_one(
                    tx,
                    r.holder.clone(),
                    r.added_ms,
                    &r.added_by,
                    "add_document",
                    &after,
                )
                .await
            })
        }))
        .await?;
        Ok(document_view(&rec))
    }

    /// A holder's documents, in the order they were added.
    pub(crate) async fn documents_of(&self, holder: &str) -> AppResult<Vec<DocumentView>> {
        Ok(self
            .store
            .documents(holder)
            .await?
            .iter()
            .map(document_view)
            .collect())
    }

    /// One document of a holder and its bytes, once the caller has checked who may see it;
    /// `None` when the holder has no such document.
    pub(crate) async fn document(
        &self,
        holder: &str,
        file: &str,
    ) -> AppResult<Option<(DocumentView, Vec<u8>)>> {
        let Some(f) = self
            .store
            .documents(holder)
            .await?
            .into_iter()
            .find(|f| f.id == file)
        else {
            return Ok(None);
        };
        let bytes = self.stored_file(&f.sha256).await?;
        Ok(Some((document_view(&f), bytes)))
    }
}
