//! A listing's documents: patent certificates, technical descriptions, test reports. PDF, JPEG
//! or PNG, told from the content and held to the same limits as a case's materials; stored
//! durably and content-addressed like them, each file's hash in the listing's audit chain.
//! They are seen by whoever may see the listing, and a sold listing's documents become the
//! "proof of intellectual property" of the buyer's technology-contract registration.

use super::*;
use crate::documents::{DocumentView, NewFile};

/// At most this many documents a listing.
pub const MAX_LISTING_FILES: u64 = 20;

/// A listing's documents' holder: its audit stream.
pub(crate) fn holder(listing: &str) -> String {
    format!("listing:{listing}")
}

impl App {
    /// Adds a document to a listing: its owner or the joint office, while the listing waits for
    /// review or is approved (see [`App::add_document`]).
    pub async fn add_listing_file(
        &self,
        p: &Principal,
        id: &str,
        file: NewFile,
    ) -> AppResult<DocumentView> {
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
        let limits = self.document_limits(MAX_LISTING_FILES);
        self.add_document(p, holder(&row.id), file, limits).await
    }

    /// A listing's document and its bytes, for whoever may see the listing.
    pub async fn listing_file(
        &self,
        p: Option<&Principal>,
        id: &str,
        file: &str,
    ) -> AppResult<(DocumentView, Vec<u8>)> {
        let row = self.listing_row(id).await?;
        if !self.may_see_listing(p, &row).await? {
            return Err(not_found("listing", id));
        }
        self.document(&holder(id), file)
            .await?
            .ok_or_else(|| not_found("file", file))
    }
}
