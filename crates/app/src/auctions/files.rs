//! A listing's documents: patent certificates, technical descriptions, test reports. PDF, JPEG
//! or PNG, told from the content and held to the same limits as a case's materials; stored
//! durably and content-addressed like them, each file's hash in the listing's audit chain.
//! They are seen by whoever may see the listing, and a sold listing's documents become the
//! "proof of intellectual property" of the buyer's technology-contract registration.

use super::*;
use crate::materials::bad_file;
use corridor_domain::materials::{self as m, FileKind};
use corridor_store::{sha256_hex, ListingFileRow};

/// At most this many documents a listing.
pub const MAX_LISTING_FILES: u64 = 20;

/// One document of a listing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListingFileView {
    pub id: String,
    pub file_name: String,
    pub kind: FileKind,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex (also in the listing's audit event).
    pub sha256: String,
    pub added_at: String,
}

impl ListingFileView {
    /// The headers the file is served with by either face.
    pub fn download_headers(&self) -> [(&'static str, String); 4] {
        crate::materials::download_headers(&self.file_name, &self.content_type, &self.sha256)
    }
}

pub(crate) fn file_view(f: &ListingFileRow) -> ListingFileView {
    let kind = FileKind::parse(&f.kind).unwrap_or(FileKind::Pdf);
    ListingFileView {
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
    /// Adds a document to a listing: its owner or the joint office, while the listing waits for
    /// review or is approved. The bytes are on disk before the record and the listing's audit
    /// event (which carries the hash) commit, and both before the answer.
    pub async fn add_listing_file(
        &self,
        p: &Principal,
        id: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<ListingFileView> {
        let row = self.listing_row(id).await?;
        let own = self.acting_enterprise(p).await?;
        if own.as_ref().is_some_and(|u| *u != row.owner_uscc) {
            // Another firm's listing is not for it to see unless approved, nor to add to.
            return Err(if self.may_see_listing(Some(p), &row).await? {
                AppError::forbidden("only the listing's owner and the joint office add documents")
                    .with_zh("只有权利人和联席办可以上传挂牌材料")
            } else {
                not_found("listing", id)
            });
        }
        if !matches!(row.status.as_str(), "submitted" | "approved") {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "documents are added while a listing waits for review or is approved",
            )
            .with_zh("只有待审核或已通过的挂牌可以上传材料"));
        }
        let kind = m::detect(&bytes).map_err(bad_file)?;
        if kind == FileKind::Licence {
            return Err(bad_file(m::FileError::UnknownType));
        }
        let file_name = m::file_name(file_name, kind).map_err(bad_file)?;
        let limits = self.listing_limits();
        let have = self.store.listing_files(id).await?;
        let total: u64 = have.iter().map(|f| f.size.max(0) as u64).sum();
        limits
            .admit(bytes.len() as u64, have.len() as u64, total)
            .map_err(bad_file)?;
        let (sha256, bytes) = tokio::task::spawn_blocking(move || (sha256_hex(&bytes), bytes))
            .await
            .map_err(AppError::internal)?;
        let size = bytes.len() as i64;
        self.store.put_blob(&sha256, Arc::new(bytes)).await?;
        let rec = ListingFileRow {
            id: Uuid::now_v7().to_string(),
            listing_id: row.id.clone(),
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
                let (count, total) = Store::listing_file_totals(tx, &r.listing_id).await?;
                limits
                    .admit(r.size.max(0) as u64, count, total)
                    .map_err(bad_file)?;
                Store::insert_listing_file(tx, &r).await?;
                let after = serde_json::json!({
                    "file": r.id, "kind": r.kind, "size": r.size, "sha256": r.sha256
                });
                let stream = format!("listing:{}", r.listing_id);
                crate::writer::append_one(
                    tx,
                    stream,
                    r.added_ms,
                    &r.added_by,
                    "add_document",
                    &after,
                )
                .await
            })
        }))
        .await?;
        Ok(file_view(&rec))
    }

    /// The limits on a listing's documents: a file as large as a case's material may be, the
    /// listing's files together as large as a case's, at most [`MAX_LISTING_FILES`] of them.
    fn listing_limits(&self) -> m::Limits {
        let l = self.material_limits();
        m::Limits {
            case_files: l.case_files.min(MAX_LISTING_FILES),
            ..l
        }
    }

    /// A listing's document and its bytes, for whoever may see the listing.
    pub async fn listing_file(
        &self,
        p: Option<&Principal>,
        id: &str,
        file: &str,
    ) -> AppResult<(ListingFileView, Vec<u8>)> {
        let row = self.listing_row(id).await?;
        if !self.may_see_listing(p, &row).await? {
            return Err(not_found("listing", id));
        }
        let f = self
            .store
            .listing_files(id)
            .await?
            .into_iter()
            .find(|f| f.id == file)
            .ok_or_else(|| not_found("file", file))?;
        let bytes = self.stored_file(&f.sha256).await?;
        Ok((file_view(&f), bytes))
    }
}
